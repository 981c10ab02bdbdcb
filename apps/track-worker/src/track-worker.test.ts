import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EgressRequest } from '@egress/protocol';
import { JOB_DEADLINE_MESSAGE } from '@egress/service-runtime';
import {
  DirectFileOutput,
  EgressStatus,
  EncodedFileOutput,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
} from '@livekit/protocol';
import { dispose } from '@livekit/rtc-node';
import { CELL_CRASHED_MESSAGE } from './cell-pool.js';
import { probeAudioFile } from './testing/probe-audio-file.js';
import { probeVideoFile } from './testing/probe-video-file.js';
import {
  startTrackWorkerHarness,
  type TrackWorkerHarness,
} from './testing/track-worker-harness.js';

// Real Redis, BullMQ, test SFU, GStreamer and ffprobe.
describe('track worker', { timeout: 240_000 }, () => {
  let harness: TrackWorkerHarness;
  /** The statuses an egress reported, for failure messages. */
  const seen = (egressId: string): string =>
    (harness.progress.get(egressId) ?? []).map((s) => EgressStatus[s]).join(' → ') || 'none';

  before(async () => {
    // One egress per cell here, so the crash test can kill one egress's process alone.
    harness = await startTrackWorkerHarness({ egressesPerCell: 1 });
  });

  after(async () => {
    await harness?.close();
    await dispose();
  });

  async function startAudioBot() {
    const room = `room-${randomUUID()}`;
    const bot = await harness.bot({ room, identity: 'bot', kind: 'audio' });
    return { room, bot, trackId: bot.publications.audio?.sid ?? '' };
  }

  function fileRequest(room: string, trackId: string): EgressRequest {
    return {
      case: 'track',
      value: new TrackEgressRequest({
        roomName: room,
        trackId,
        output: { case: 'file', value: new DirectFileOutput({ filepath: 'rec/{track_id}' }) },
      }),
    };
  }

  it('records a track until it is unpublished and copies the file to local_output_dir', async () => {
    const { room, trackId, bot } = await startAudioBot();
    const { egressId, job } = await harness.enqueue(fileRequest(room, trackId));
    assert.ok(await harness.waitActive(egressId), `egressId never went ACTIVE: ${seen(egressId)}`);
    await sleep(2500);
    await bot.unpublish('audio');
    const info = await harness.finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_COMPLETE', info.error);
    assert.equal(info.details, 'End reason: Source closed');
    assert.deepEqual(harness.progress.get(egressId), [
      EgressStatus.EGRESS_ACTIVE,
      EgressStatus.EGRESS_ENDING,
      EgressStatus.EGRESS_COMPLETE,
    ]);
    const file = info.fileResults[0];
    assert.ok(file);
    assert.match(file.filename, new RegExp(`^rec/${trackId}\\.ogg$`));
    assert.ok(file.size > 0n);
    assert.ok(file.duration > 1_000_000_000n, `duration ${file.duration}`);
    assert.equal(info.result.case, 'file');
    const local = join(harness.outDir, file.filename);
    assert.equal((await stat(local)).size, Number(file.size));
    const probe = await probeAudioFile(local);
    assert.equal(probe.codec, 'opus');
    assert.ok(Math.abs(probe.durationSec - Number(file.duration) / 1e9) < 0.1);
  });

  it('stops on a stop control message: ENDING in the reply, then COMPLETE', async () => {
    const { room, trackId } = await startAudioBot();
    const { egressId, job } = await harness.enqueue(fileRequest(room, trackId));
    assert.ok(await harness.waitActive(egressId), `egressId never went ACTIVE: ${seen(egressId)}`);
    await sleep(1500);
    const capacity = await harness.capacity();
    assert.equal(capacity.pool, 'track');
    assert.ok(capacity.activeEgressIds.includes(egressId));
    const replied = await harness.stop(egressId);
    assert.equal(EgressStatus[replied.status], 'EGRESS_ENDING');
    const info = await harness.finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_COMPLETE', info.error);
    assert.equal(info.details, 'End reason: StopEgress API');
    assert.ok((info.fileResults[0]?.size ?? 0n) > 0n);
  });

  it('fails with 404 when the track does not appear', async () => {
    const { room } = await startAudioBot();
    const { job } = await harness.enqueue(fileRequest(room, 'TR_nothere'));
    const info = await harness.finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_FAILED');
    assert.equal(info.error, 'track TR_nothere not found');
    assert.equal(info.errorCode, 404);
  });

  it('aborts a job that reaches it after its start deadline', async () => {
    const { room, trackId } = await startAudioBot();
    const { job } = await harness.enqueue(fileRequest(room, trackId), {
      startDeadlineMs: Date.now() - 1,
    });
    const info = await harness.finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_ABORTED');
    assert.equal(info.error, JOB_DEADLINE_MESSAGE);
  });

  it('keeps other recordings going and the crashed one playable when a cell process dies', async () => {
    const a = await startAudioBot();
    const b = await startAudioBot();
    const first = await harness.enqueue(fileRequest(a.room, a.trackId));
    const second = await harness.enqueue(fileRequest(b.room, b.trackId));
    assert.ok(
      await harness.waitActive(first.egressId),
      `first.egressId never went ACTIVE: ${seen(first.egressId)}`,
    );
    assert.ok(
      await harness.waitActive(second.egressId),
      `second.egressId never went ACTIVE: ${seen(second.egressId)}`,
    );
    await sleep(2000);
    const pid = harness.worker.pidOf(first.egressId);
    assert.ok(pid && pid !== harness.worker.pidOf(second.egressId));
    process.kill(pid, 'SIGKILL');
    const crashed = await harness.finished(first.job);
    assert.equal(EgressStatus[crashed.status], 'EGRESS_FAILED');
    assert.equal(crashed.error, CELL_CRASHED_MESSAGE);
    // The encoder child saw EOF on its stdin and finalized the file by itself; the worker
    // uploaded it (here: copied to local_output_dir) and named it in the FAILED info.
    const saved = crashed.fileResults[0];
    assert.ok(saved && saved.size > 0n, 'the crashed recording was not saved');
    assert.equal(saved.filename, `rec/${a.trackId}.ogg`);
    const probe = await probeAudioFile(join(harness.outDir, saved.filename));
    assert.equal(probe.codec, 'opus');
    assert.ok(probe.durationSec > 1, `crashed recording lasts ${probe.durationSec} s`);

    await sleep(1000);
    await harness.stop(second.egressId);
    const other = await harness.finished(second.job);
    assert.equal(EgressStatus[other.status], 'EGRESS_COMPLETE', other.error);
    assert.ok((other.fileResults[0]?.duration ?? 0n) > 3_000_000_000n);
  });

  it('records a track composite of an audio and a video track to MP4 until stopped', async () => {
    const room = `room-${randomUUID()}`;
    const bot = await harness.bot({ room, identity: 'av', kind: 'audio-video' });
    const request: EgressRequest = {
      case: 'trackComposite',
      value: new TrackCompositeEgressRequest({
        roomName: room,
        audioTrackId: bot.publications.audio?.sid ?? '',
        videoTrackId: bot.publications.video?.sid ?? '',
        fileOutputs: [new EncodedFileOutput({ filepath: 'composite/{room_name}.mp4' })],
      }),
    };
    const { egressId, job } = await harness.enqueue(request);
    assert.ok(await harness.waitActive(egressId), `egressId never went ACTIVE: ${seen(egressId)}`);
    await sleep(2500);
    await harness.stop(egressId);
    const info = await harness.finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_COMPLETE', info.error);
    const file = info.fileResults[0];
    assert.equal(file?.filename, `composite/${room}.mp4`);
    const probe = await probeVideoFile(join(harness.outDir, file?.filename ?? ''));
    assert.equal(probe.codec, 'h264');
    assert.ok(probe.durationSec > 1.5, `duration ${probe.durationSec}`);
  });
});
