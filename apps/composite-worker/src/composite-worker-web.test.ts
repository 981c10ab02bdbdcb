import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodedVideoFrames, probeMedia, TONE_PAGE } from '@egress/media/testing';
import type { EgressRequest } from '@egress/protocol';
import {
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  RoomCompositeEgressRequest,
  WebEgressRequest,
} from '@livekit/protocol';
import {
  enqueue,
  sendControl,
  sendStop,
  waitForResult,
  waitForStatus,
} from './testing/job-driver.js';
import { PULSE_SKIP } from './testing/pulse-skip.js';
import { startPageServer, type TestPageServer } from './testing/start-page-server.js';
import { testEncoding } from './testing/test-encoding.js';
import { testWorkerConfigYaml } from './testing/test-worker-config.js';
import type { TestWorker, WorkerTestEnv } from './testing/worker-test-env.js';
import { startTestWorker, startWorkerTestEnv, testLogger } from './testing/worker-test-env.js';

// Real Chromium, Xvfb, PulseAudio (PULSE_RUNTIME_PATH from scripts/test), GStreamer, Redis and
// BullMQ: run with `bash scripts/test apps/composite-worker/src/composite-worker-web.test.ts`.
const logger = testLogger('composite-test');

/**
 * Behaves like a template: START_RECORDING once loaded, and END_RECORDING when the
 * `egress:layout` event brings the layout 'speaker' (so the egress ends "Source closed").
 */
const TEMPLATE_PAGE = `<!doctype html><html><body><script>
const seen = [new URLSearchParams(location.search).get('layout')];
addEventListener('egress:layout', (e) => {
  seen.push(e.detail);
  console.log('layouts: ' + seen.join(','));
  if (e.detail === 'speaker') console.log('END_RECORDING');
});
setTimeout(() => console.log('START_RECORDING'), 300);
</script></body></html>`;

let env: WorkerTestEnv;
let pages: TestPageServer;
let worker: TestWorker;

function webRequest(path: string): EgressRequest {
  return {
    case: 'web',
    value: new WebEgressRequest({
      url: `${pages.baseUrl}${path}`,
      awaitStartSignal: true,
      options: testEncoding({ width: 640, height: 360, videoBitrate: 1000, audioBitrate: 96 }),
      fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'web/' })],
    }),
  };
}

function roomCompositeRequest(): EgressRequest {
  return {
    case: 'roomComposite',
    value: new RoomCompositeEgressRequest({
      roomName: 'layout-room',
      layout: 'grid',
      customBaseUrl: `${pages.baseUrl}/template`,
      options: {
        case: 'advanced',
        value: new EncodingOptions({ width: 640, height: 360, framerate: 30, videoBitrate: 1000 }),
      },
      fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'room/' })],
    }),
  };
}

describe('composite worker with the web source', { skip: PULSE_SKIP, timeout: 240_000 }, () => {
  before(async () => {
    env = await startWorkerTestEnv('composite-web-');
    pages = await startPageServer((path) =>
      path.startsWith('/template') ? TEMPLATE_PAGE : TONE_PAGE,
    );
    worker = await startTestWorker(env, {
      yaml: testWorkerConfigYaml({
        redisUrl: env.redis.url,
        outDir: join(env.root, 'out'),
        extra: [
          'start_signal_timeout_sec: 3',
          'api_key: test-key',
          'api_secret: test-secret-that-is-long-enough-for-hs256',
          'ws_url: ws://127.0.0.1:7880',
        ].join('\n'),
      }),
      logger,
      mediaSource: 'web',
      tmpName: 'tmp',
    });
  });

  after(async () => {
    await worker?.close();
    await pages?.close();
    await env?.close();
  });

  it('records a page after its start signal and completes on stop', async () => {
    const egressId = await enqueue(worker.queue, webRequest('/page'));
    await waitForStatus(worker.queue, egressId, EgressStatus.EGRESS_ACTIVE);
    await sleep(4000);
    await sendStop(env.client, egressId);
    const done = await waitForResult(worker.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    const file = done.fileResults[0];
    assert.match(file?.filename ?? '', /^web\/web-.+\.mp4$/);
    const probe = await probeMedia(file?.location ?? '');
    const resultSec = Number(file?.duration ?? 0n) / 1e9;
    logger.info({ probe, resultSec }, 'web recording');
    assert.equal(probe.video?.codec, 'h264');
    assert.equal(probe.audio?.codec, 'aac');
    assert.equal(probe.video?.width, 640);
    assert.ok(Math.abs(probe.durationSec - resultSec) <= 1, `${probe.durationSec} vs ${resultSec}`);
  });

  it('completes with "Source closed" when the page logs END_RECORDING', async () => {
    const egressId = await enqueue(worker.queue, webRequest('/page?end=5000'));
    const done = await waitForResult(worker.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    assert.equal(done.details, 'End reason: Source closed');
    const probe = await probeMedia(done.fileResults[0]?.location ?? '');
    assert.ok(probe.durationSec >= 1.5, `duration ${probe.durationSec}`);
  });

  it('fails a killed egress, kills its chromium and gstreamer and uploads the partial file', async () => {
    const egressId = await enqueue(worker.queue, webRequest('/page'));
    await waitForStatus(worker.queue, egressId, EgressStatus.EGRESS_ACTIVE);
    // the MP4's header follows its first fragment: leave the capture time to write a few
    await sleep(6000);
    const groups = worker.worker.processGroupsOf(egressId);
    assert.equal(groups.length, 2, 'egress and chromium process groups');
    const killedAtMs = Date.now();
    process.kill(groups[0] ?? 0, 'SIGKILL');
    const done = await waitForResult(worker.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_FAILED);
    assert.equal(done.error, 'egress process exited unexpectedly (signal SIGKILL)');
    const file = done.fileResults[0];
    const probe = await probeMedia(file?.location ?? '');
    assert.equal(probe.video?.codec, 'h264');
    // playable: decoded to its end, up to at most 2 s before the kill (the file starts at ACTIVE,
    // the result's startedAt); the container's duration may list samples past the end
    const decodedSec = (await decodedVideoFrames(file?.location ?? '')) / 30;
    const recordedSec = (killedAtMs - Number((file?.startedAt ?? 0n) / 1_000_000n)) / 1000;
    logger.info({ probe, decodedSec, recordedSec }, 'partial web recording');
    assert.ok(recordedSec >= 6, `recorded ${recordedSec} s`);
    assert.ok(recordedSec - decodedSec <= 2, `${decodedSec} s of ${recordedSec} s decode`);
    for (const pgid of groups) {
      assert.throws(() => process.kill(-pgid, 0), { code: 'ESRCH' }, `group ${pgid} left`);
    }
  });

  it('tells the page a new layout on update-layout and records it in the info', async () => {
    const egressId = await enqueue(worker.queue, roomCompositeRequest());
    await waitForStatus(worker.queue, egressId, EgressStatus.EGRESS_ACTIVE);
    const updated = await sendControl(env.client, egressId, {
      type: 'update-layout',
      layout: 'speaker',
    });
    assert.equal(updated.request.case, 'roomComposite');
    assert.equal(
      updated.request.case === 'roomComposite' ? updated.request.value.layout : '',
      'speaker',
    );
    // the template page logs END_RECORDING only once its egress:layout listener got 'speaker'
    const done = await waitForResult(worker.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    assert.equal(done.details, 'End reason: Source closed');
  });

  it('aborts when the page never sends its start signal', async () => {
    const egressId = await enqueue(worker.queue, webRequest('/page?silent'));
    const done = await waitForResult(worker.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_ABORTED);
    assert.equal(done.error, 'Start signal not received');
    assert.equal(done.errorCode, 412);
  });
});
