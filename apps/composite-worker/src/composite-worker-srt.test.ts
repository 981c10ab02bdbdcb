import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  meanVolumeDb,
  probeMedia,
  type StreamReceiver,
  startStreamReceiver,
} from '@egress/media/testing';
import { redactStreamUrl, STREAM_KEYFRAME_INTERVAL_SEC } from '@egress/protocol';
import {
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  StreamInfo_Status,
  StreamOutput,
  StreamProtocol,
} from '@livekit/protocol';
import {
  enqueue,
  sendControl,
  sendStop,
  waitForInfo,
  waitForResult,
  waitForStatus,
} from './testing/job-driver.js';
import { testWebRequest } from './testing/test-web-request.js';
import { testWorkerConfigYaml } from './testing/test-worker-config.js';
import type { TestWorker, WorkerTestEnv } from './testing/worker-test-env.js';
import { startTestWorker, startWorkerTestEnv, testLogger } from './testing/worker-test-env.js';

// Real Redis, BullMQ, GStreamer (test sources instead of Chromium), SRT receivers (ffmpeg
// listeners on 127.0.0.1) and ffprobe.
const logger = testLogger('composite-srt-test');

let env: WorkerTestEnv;
let worker: TestWorker;
const receivers: StreamReceiver[] = [];

before(async () => {
  env = await startWorkerTestEnv('composite-srt-');
  worker = await startTestWorker(env, {
    yaml: testWorkerConfigYaml({ redisUrl: env.redis.url, outDir: join(env.root, 'out') }),
    logger,
    tmpName: 'tmp',
  });
});

after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await worker?.close();
  await env?.close();
});

async function receiver(name: string): Promise<StreamReceiver> {
  const r = await startStreamReceiver('srt', join(env.root, `${name}.ts`));
  receivers.push(r);
  return r;
}

/** Checks what an SRT receiver got: H.264 320x240 30 fps + AAC not silent, `minSec`..`maxSec` long. */
async function assertReceived(r: StreamReceiver, minSec: number, maxSec: number): Promise<void> {
  // FFmpeg decoded every frame it got: the stream started at a keyframe with its SPS/PPS (#22)
  assert.doesNotMatch(r.stderr(), /non-existing PPS|no frame!|decode_slice_header error/);
  const probe = await probeMedia(r.path);
  logger.info({ probe, path: r.path }, 'received over srt');
  assert.equal(probe.video?.codec, 'h264');
  assert.equal(probe.audio?.codec, 'aac');
  assert.equal(probe.video?.width, 320);
  assert.equal(probe.video?.height, 240);
  assert.ok(Math.abs((probe.video?.fps ?? 0) - 30) <= 3, `fps ${probe.video?.fps}`);
  const volumeDb = await meanVolumeDb(r.path);
  assert.ok(volumeDb > -40, `the test tone is silent: ${volumeDb} dB`);
  assert.ok(
    probe.durationSec >= minSec && probe.durationSec <= maxSec,
    `srt duration ${probe.durationSec}, expected ${minSec}..${maxSec}`,
  );
}

describe('composite worker srt', () => {
  it('streams to srt receivers, adds and removes them with update-stream, fails a dead one alone', {
    timeout: 240_000,
  }, async () => {
    const a = await receiver('a');
    const b = await receiver('b');
    const key = 'srt-secret-0123456789';
    // nothing listens there: the caller's connect times out and each retry fails
    const dead = `srt://127.0.0.1:9?streamid=${key}`;
    const egressId = await enqueue(
      worker.queue,
      testWebRequest({
        fileOutputs: [
          new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'srt/{time}.mp4' }),
        ],
        streamOutputs: [new StreamOutput({ protocol: StreamProtocol.SRT, urls: [a.url] })],
      }),
    );
    const active = await waitForStatus(worker.queue, egressId, EgressStatus.EGRESS_ACTIVE);
    const activeAt = Date.now();
    assert.deepEqual(
      active.streamResults.map((s) => [s.url, s.status]),
      [[redactStreamUrl(a.url), StreamInfo_Status.ACTIVE]],
    );
    assert.ok((active.streamResults[0]?.startedAt ?? 0n) > 0n);
    await sleep(4000);

    const added = await sendControl(env.client, egressId, {
      type: 'update-stream',
      addOutputUrls: [b.url, dead],
    });
    const addedAt = Date.now();
    assert.deepEqual(
      added.streamResults.map((s) => [s.url, s.status]),
      [
        [redactStreamUrl(a.url), StreamInfo_Status.ACTIVE],
        [redactStreamUrl(b.url), StreamInfo_Status.ACTIVE],
        [redactStreamUrl(dead), StreamInfo_Status.ACTIVE],
      ],
    );
    assert.ok(!added.streamResults[2]?.url.includes(key), added.streamResults[2]?.url);
    await sleep(4000);

    const removed = await sendControl(env.client, egressId, {
      type: 'update-stream',
      removeOutputUrls: [a.url],
    });
    const removedAt = Date.now();
    const streamA = removed.streamResults[0];
    assert.equal(streamA?.status, StreamInfo_Status.FINISHED);
    assert.ok((streamA?.duration ?? 0n) > 0n);
    // the removed destination sends EOS and closes its connection: the receiver ends by itself
    await a.exited;
    // every destination starts at a keyframe (#22): one that joins in the first GOP waits up to a
    // GOP for the second keyframe, a later one starts up to a GOP back, at the latest keyframe
    const aSec = (removedAt - activeAt) / 1000;
    await assertReceived(a, aSec - 3 - STREAM_KEYFRAME_INTERVAL_SEC, aSec + 1.5);

    // the dead destination is retried (each SRT connect times out), then fails alone
    const failed = await waitForInfo(
      worker.queue,
      egressId,
      (info) => info.streamResults[2]?.status === StreamInfo_Status.FAILED,
      180_000,
    );
    const deadResult = failed.streamResults[2];
    assert.ok((deadResult?.retries ?? 0) >= 1, `retries ${deadResult?.retries}`);
    assert.match(deadResult?.error ?? '', /^stream failed after \d+ retries: /);
    assert.ok(!deadResult?.error.includes(key), deadResult?.error);
    assert.equal(failed.status, EgressStatus.EGRESS_ACTIVE);
    assert.equal(failed.streamResults[1]?.status, StreamInfo_Status.ACTIVE);

    await sendStop(env.client, egressId);
    const stoppedAt = Date.now();
    const done = await waitForResult(worker.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    assert.deepEqual(
      done.streamResults.map((s) => s.status),
      [StreamInfo_Status.FINISHED, StreamInfo_Status.FINISHED, StreamInfo_Status.FAILED],
    );
    const streamB = done.streamResults[1];
    assert.ok((streamB?.duration ?? 0n) > 0n);
    await b.exited;
    const bSec = (stoppedAt - addedAt) / 1000;
    await assertReceived(b, bSec - 3, bSec + 1.5 + STREAM_KEYFRAME_INTERVAL_SEC);
    const file = await probeMedia(done.fileResults[0]?.location ?? '');
    assert.equal(file.video?.codec, 'h264');
    assert.ok(file.durationSec >= bSec, `file duration ${file.durationSec}`);
  });
});
