import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EgressRequest } from '@egress/protocol';
import { DirectFileOutput, EgressStatus, TrackEgressRequest } from '@livekit/protocol';
import { dispose } from '@livekit/rtc-node';
import {
  startTrackWorkerHarness,
  type TrackWorkerHarness,
} from './testing/track-worker-harness.js';

// Real Redis, BullMQ, test SFU and GStreamer. The worker is told it has 1 core, so with Go's
// max_cpu_utilization of 0.8 one egress of cost 0.5 leaves 0.3 free while it counts its cost.
async function toneTrack(harness: TrackWorkerHarness): Promise<EgressRequest> {
  const room = `room-${randomUUID()}`;
  const bot = await harness.bot({ room, identity: 'tone', kind: 'audio' });
  return {
    case: 'track',
    value: new TrackEgressRequest({
      roomName: room,
      trackId: bot.publications.audio?.sid ?? '',
      output: { case: 'file', value: new DirectFileOutput({ filepath: 'rec/{track_id}-{time}' }) },
    }),
  };
}

describe('track worker admission by cpu', { timeout: 180_000 }, () => {
  after(async () => {
    await dispose();
  });

  describe('while a new egress counts its cost', () => {
    let harness: TrackWorkerHarness;
    before(async () => {
      harness = await startTrackWorkerHarness({ cpuTotal: 1 });
    });
    after(async () => {
      await harness?.close();
    });

    it('holds back a job that does not fit until the running one ends', async () => {
      const request = await toneTrack(harness);
      const first = await harness.enqueue(request, { cpuCost: 0.5 });
      assert.ok(await harness.waitActive(first.egressId));
      await sleep(600);
      const busy = await harness.capacity();
      assert.deepEqual(busy.activeEgressIds, [first.egressId]);
      // at least its cost counts (more while the new cell's start-up measures higher)
      assert.ok(busy.cpuAvailable <= 0.3 + 1e-9, `available ${busy.cpuAvailable}`);

      const second = await harness.enqueue(request, { cpuCost: 0.5 });
      await sleep(3000);
      assert.equal(harness.progress.get(second.egressId), undefined, 'the second job started');
      assert.equal(await second.job.getState(), 'waiting');

      await harness.stop(first.egressId);
      const firstInfo = await harness.finished(first.job);
      assert.equal(EgressStatus[firstInfo.status], 'EGRESS_COMPLETE', firstInfo.error);
      assert.ok(await harness.waitActive(second.egressId), 'the second job never started');
      await harness.stop(second.egressId);
      const secondInfo = await harness.finished(second.job);
      assert.equal(EgressStatus[secondInfo.status], 'EGRESS_COMPLETE', secondInfo.error);
      // Idle again: every core, once the emptied cell (whose use still counts) has retired.
      let available = 0;
      for (let i = 0; i < 100 && available !== 1; i++) {
        await sleep(200);
        available = (await harness.capacity()).cpuAvailable;
      }
      assert.equal(available, 1);
    });
  });

  describe('once the measured use takes over', () => {
    let harness: TrackWorkerHarness;
    before(async () => {
      harness = await startTrackWorkerHarness({ cpuTotal: 1, cpuPendingMs: 1000 });
    });
    after(async () => {
      await harness?.close();
    });

    it('reports what the egress measurably uses and admits a second one beside it', async () => {
      const request = await toneTrack(harness);
      const first = await harness.enqueue(request, { cpuCost: 0.5 });
      assert.ok(await harness.waitActive(first.egressId));
      await sleep(2500);
      const measured = await harness.capacity();
      // an audio egress uses a few hundredths of a core: less than its cost, more than nothing
      assert.ok(measured.cpuAvailable > 0.3, `available ${measured.cpuAvailable}`);
      assert.ok(measured.cpuAvailable < 0.8, `available ${measured.cpuAvailable}`);

      const second = await harness.enqueue(request, { cpuCost: 0.5 });
      assert.ok(await harness.waitActive(second.egressId), 'the second job was not admitted');
      // the capacity report is republished every 250 ms: wait for one taken after the start
      let active = new Set<string>();
      for (let i = 0; i < 40 && active.size < 2; i++) {
        active = new Set((await harness.capacity()).activeEgressIds);
        if (active.size < 2) await sleep(250);
      }
      assert.deepEqual(active, new Set([first.egressId, second.egressId]));
      for (const { egressId, job } of [first, second]) {
        await harness.stop(egressId);
        const info = await harness.finished(job);
        assert.equal(EgressStatus[info.status], 'EGRESS_COMPLETE', info.error);
      }
    });
  });
});
