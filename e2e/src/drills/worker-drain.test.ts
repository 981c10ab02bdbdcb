import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUE_NAMES } from '@egress/protocol';
import { Job, Queue } from 'bullmq';
import type { EgressInfo } from 'livekit-server-sdk';
import type { AppProcess } from '../demo/app-process.js';
import type { EgressStack } from '../demo/egress-stack.js';
import {
  getEgress,
  isEnded,
  RecordingClock,
  statusName,
  waitForEgress,
} from '../demo/egress-watch.js';
import { type OutputProbe, probeOutput } from '../demo/probe-output.js';
import { skipWithoutTestNetwork, testRedisAddress } from '../test-env.js';
import { stackOutput } from '../test-stack.js';
import {
  appOf,
  pollUntil,
  recordFor,
  requestAudioFileEgress,
  startAudioFileEgress,
  startTrackDrillStack,
  waitActive,
} from './drill-support.js';

// Drill: SIGTERM a track worker that runs two egresses. Both must finish when stopped (files
// that play), the draining worker must take no new job (a third waits in the queue and is
// taken by a worker started later), and the worker must exit 0 once its egresses ended.
const ROOM = 'drill-worker-drain';
const REDIS_DB = 23;
// How long the third egress is watched staying queued while the first worker drains.
const QUEUED_WATCH_MS = 3000;

describe('drill: SIGTERM a worker with two running egresses', {
  skip: skipWithoutTestNetwork(),
}, () => {
  let outputDir: string;
  let stack: EgressStack | undefined;
  let draining: AppProcess;
  let finished: EgressInfo[] = [];
  let probes: OutputProbe[] = [];
  const thirdWhileDraining: EgressInfo[] = [];
  const jobStatesWhileDraining = new Set<string>();
  let exitCode: number | string = '';
  let thirdOnNextWorker = false;
  let thirdEnded: EgressInfo | undefined;

  before(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'drill-worker-drain-'));
    stack = await startTrackDrillStack({
      redisDb: REDIS_DB,
      outputDir,
      room: ROOM,
      // The third egress waits for the next worker longer than the default 30 s allows.
      config: { job_start_deadline_sec: '120' },
    });
    draining = appOf(stack, 'track-worker');
    const { client } = stack;
    const clock = new RecordingClock();
    const running = [
      await startAudioFileEgress(stack, ROOM, 'first.ogg', clock),
      await startAudioFileEgress(stack, ROOM, 'second.ogg', clock),
    ];
    await recordFor(clock, running[1]?.egressId ?? '', 2);
    process.kill(draining.pid, 'SIGTERM');
    // The worker says it drains in its capacity report; /health stays up meanwhile.
    await sleep(500);
    const third = await requestAudioFileEgress(stack, ROOM, 'third.ogg');
    const [host, port] = (testRedisAddress() ?? '').split(':');
    const queue = new Queue(QUEUE_NAMES.track, {
      connection: { host: host ?? '', port: Number(port), db: REDIS_DB },
    });
    try {
      const watchUntil = Date.now() + QUEUED_WATCH_MS;
      while (Date.now() < watchUntil) {
        const job = await Job.fromId(queue, third.egressId);
        jobStatesWhileDraining.add((await job?.getState()) ?? 'missing');
        thirdWhileDraining.push(await getEgress(client, third.egressId));
        await sleep(250);
      }
    } finally {
      await queue.close();
    }
    for (const info of running) await client.stopEgress(info.egressId);
    finished = await Promise.all(
      running.map((info) =>
        waitForEgress(client, info.egressId, { until: isEnded, deadlineMs: 60_000 }),
      ),
    );
    probes = await Promise.all(finished.map((i) => probeOutput(i.fileResults[0]?.location ?? '')));
    exitCode = await draining.exited;

    // The first worker is gone: only the next one can take the queued job.
    await stack.startWorker('track-worker');
    thirdOnNextWorker = await waitActive(client, third.egressId, clock).then(
      () => true,
      () => false,
    );
    await recordFor(clock, third.egressId, 1);
    await client.stopEgress(third.egressId);
    thirdEnded = await waitForEgress(client, third.egressId, {
      until: isEnded,
      deadlineMs: 60_000,
    });
  });

  after(async () => {
    const output = stackOutput(stack);
    await stack?.close();
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
    if (!thirdEnded && output) process.stderr.write(`${output}\n`);
  });

  it('completes both running egresses with files that play', () => {
    assert.deepEqual(
      finished.map((i) => statusName(i.status)),
      ['EGRESS_COMPLETE', 'EGRESS_COMPLETE'],
      finished.map((i) => i.error).join('; '),
    );
    for (const probe of probes) {
      assert.equal(probe.audioCodec, 'opus');
      assert.ok(probe.durationSec >= 2, `file ${probe.durationSec} s`);
    }
  });

  it('leaves a new job queued while it drains', () => {
    assert.ok(thirdWhileDraining.length > 0);
    const seen = new Set(thirdWhileDraining.map((i) => statusName(i.status)));
    assert.deepEqual([...seen], ['EGRESS_STARTING']);
    assert.deepEqual([...jobStatesWhileDraining], ['waiting']);
  });

  it('exits 0 once its egresses ended', () => {
    assert.equal(exitCode, 0);
  });

  it('hands the queued job to the next worker', () => {
    assert.equal(thirdOnNextWorker, true, 'the next worker did not take the queued job');
    assert.ok(thirdEnded);
    assert.equal(statusName(thirdEnded.status), 'EGRESS_COMPLETE', thirdEnded.error);
  });

  it('lists every egress final', async () => {
    assert.ok(stack);
    const active = await pollUntil('no active egress listed', 10_000, async () => {
      const listed = await stack?.client.listEgress({ roomName: ROOM, active: true });
      return listed?.length === 0 ? listed : undefined;
    });
    assert.deepEqual(active, []);
  });
});
