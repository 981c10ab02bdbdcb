import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeMedia, TONE_PAGE } from '@egress/media/testing';
import { createLogger, type EgressRequest, loadConfig, QUEUE_NAMES } from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import {
  AudioCodec,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  RoomCompositeEgressRequest,
  WebEgressRequest,
} from '@livekit/protocol';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type CompositeWorker, startCompositeWorker } from './composite-worker.js';
import {
  enqueue,
  sendControl,
  sendStop,
  waitForResult,
  waitForStatus,
} from './testing/job-driver.js';

// Real Chromium, Xvfb, PulseAudio (PULSE_RUNTIME_PATH from scripts/test), GStreamer, Redis and
// BullMQ: run with `bash scripts/test apps/composite-worker/src/composite-worker-web.test.ts`.
const logger = createLogger({
  service: 'composite-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});
const SKIP =
  process.env.PULSE_RUNTIME_PATH || process.env.CI === 'true'
    ? false
    : 'needs the PulseAudio daemon scripts/test starts (PULSE_RUNTIME_PATH)';

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

let redis: TestRedis;
let root: string;
let server: Server;
let baseUrl: string;
let client: Redis;
let queue: Queue;
let worker: CompositeWorker;
const prefix = `test-${randomUUID()}`;

function webRequest(path: string): EgressRequest {
  return {
    case: 'web',
    value: new WebEgressRequest({
      url: `${baseUrl}${path}`,
      awaitStartSignal: true,
      options: {
        case: 'advanced',
        value: new EncodingOptions({
          width: 640,
          height: 360,
          framerate: 30,
          videoBitrate: 1000,
          audioCodec: AudioCodec.AAC,
          audioBitrate: 96,
          audioFrequency: 48000,
        }),
      },
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
      customBaseUrl: `${baseUrl}/template`,
      options: {
        case: 'advanced',
        value: new EncodingOptions({ width: 640, height: 360, framerate: 30, videoBitrate: 1000 }),
      },
      fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'room/' })],
    }),
  };
}

describe('composite worker with the web source', { skip: SKIP, timeout: 240_000 }, () => {
  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    root = await mkdtemp(join(tmpdir(), 'composite-web-'));
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(req.url?.startsWith('/template') ? TEMPLATE_PAGE : TONE_PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = new URL(redis.url);
    const yaml = [
      'redis:',
      `  address: ${url.hostname}:${url.port || '6379'}`,
      ...(url.pathname.length > 1 ? [`  db: ${Number(url.pathname.slice(1))}`] : []),
      `local_output_dir: ${join(root, 'out')}`,
      `log_level: ${process.env.LOG_LEVEL ?? 'error'}`,
      'start_signal_timeout_sec: 3',
      'api_key: test-key',
      'api_secret: test-secret-that-is-long-enough-for-hs256',
      'ws_url: ws://127.0.0.1:7880',
      'cpu_cost:',
      '  web_cpu_cost: 0.5',
      '  audio_web_cpu_cost: 0.5',
      '  room_composite_cpu_cost: 0.5',
      '  audio_room_composite_cpu_cost: 0.5',
    ].join('\n');
    const config = loadConfig({ EGRESS_CONFIG_BODY: yaml }, { onWarning: () => undefined });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE_NAMES.composite, { connection: client, prefix });
    worker = await startCompositeWorker({
      config,
      logger,
      prefix,
      mediaSource: 'web',
      tmpRoot: join(root, 'tmp'),
      cpuTotal: 16,
    });
  });

  after(async () => {
    await worker?.close();
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    client?.disconnect();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await redis?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('records a page after its start signal and completes on stop', async () => {
    const egressId = await enqueue(queue, webRequest('/page'));
    await waitForStatus(queue, egressId, EgressStatus.EGRESS_ACTIVE);
    await sleep(4000);
    await sendStop(client, egressId);
    const done = await waitForResult(queue, egressId);
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
    const egressId = await enqueue(queue, webRequest('/page?end=5000'));
    const done = await waitForResult(queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    assert.equal(done.details, 'End reason: Source closed');
    const probe = await probeMedia(done.fileResults[0]?.location ?? '');
    assert.ok(probe.durationSec >= 1.5, `duration ${probe.durationSec}`);
  });

  it('fails a killed egress, kills its chromium and gstreamer and uploads the partial file', async () => {
    const egressId = await enqueue(queue, webRequest('/page'));
    await waitForStatus(queue, egressId, EgressStatus.EGRESS_ACTIVE);
    // the MP4's header follows its first fragment: leave the capture time to write a few
    await sleep(6000);
    const groups = worker.processGroupsOf(egressId);
    assert.equal(groups.length, 2, 'egress and chromium process groups');
    process.kill(groups[0] ?? 0, 'SIGKILL');
    const done = await waitForResult(queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_FAILED);
    assert.equal(done.error, 'egress process exited unexpectedly (signal SIGKILL)');
    const probe = await probeMedia(done.fileResults[0]?.location ?? '');
    logger.info({ probe }, 'partial web recording');
    assert.equal(probe.video?.codec, 'h264');
    assert.ok(probe.durationSec >= 2, `partial duration ${probe.durationSec}`);
    for (const pgid of groups) {
      assert.throws(() => process.kill(-pgid, 0), { code: 'ESRCH' }, `group ${pgid} left`);
    }
  });

  it('tells the page a new layout on update-layout and records it in the info', async () => {
    const egressId = await enqueue(queue, roomCompositeRequest());
    await waitForStatus(queue, egressId, EgressStatus.EGRESS_ACTIVE);
    const updated = await sendControl(client, egressId, {
      type: 'update-layout',
      layout: 'speaker',
    });
    assert.equal(updated.request.case, 'roomComposite');
    assert.equal(
      updated.request.case === 'roomComposite' ? updated.request.value.layout : '',
      'speaker',
    );
    // the template page logs END_RECORDING only once its egress:layout listener got 'speaker'
    const done = await waitForResult(queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    assert.equal(done.details, 'End reason: Source closed');
  });

  it('aborts when the page never sends its start signal', async () => {
    const egressId = await enqueue(queue, webRequest('/page?silent'));
    const done = await waitForResult(queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_ABORTED);
    assert.equal(done.error, 'Start signal not received');
    assert.equal(done.errorCode, 412);
  });
});
