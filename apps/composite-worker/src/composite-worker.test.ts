import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile, stat } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodedVideoFrames, parsePlaylist, probeMedia } from '@egress/media/testing';
import { type EgressRequest, redactStreamUrl } from '@egress/protocol';
import {
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  ImageOutput,
  SegmentedFileOutput,
  StreamInfo_Status,
  StreamOutput,
  StreamProtocol,
} from '@livekit/protocol';
import { Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CompositeWorker } from './composite-worker.js';
import {
  enqueue,
  sendControl,
  sendStop,
  waitForInfo,
  waitForResult,
  waitForStatus,
} from './testing/job-driver.js';
import { startRtmpServer } from './testing/start-rtmp-server.js';
import { testWebRequest } from './testing/test-web-request.js';
import { testWorkerConfigYaml } from './testing/test-worker-config.js';
import type { TestWorker, WorkerTestEnv } from './testing/worker-test-env.js';
import {
  openTestQueue,
  spawnTestWorkerProcess,
  startTestWorker,
  startWorkerTestEnv,
  testLogger,
} from './testing/worker-test-env.js';

// Real Redis, BullMQ, GStreamer (test sources instead of Chromium) and ffprobe.
const logger = testLogger('composite-test');
const WAIT_MS = 60_000;
/** The frame rate of testEncoding. */
const FPS = 30;

let env: WorkerTestEnv;
let root: string;
let outDir: string;
let yaml: string;
let client: Redis;
let main: TestWorker;
let queue: Queue;
let worker: CompositeWorker;

function webRequest(outputs: { segments?: boolean; images?: boolean } = {}): EgressRequest {
  return testWebRequest({
    fileOutputs: [
      new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/{time}.mp4' }),
    ],
    ...(outputs.segments
      ? {
          segmentOutputs: [
            new SegmentedFileOutput({
              filenamePrefix: 'hls/seg',
              playlistName: 'hls/index.m3u8',
              livePlaylistName: 'hls/live.m3u8',
              segmentDuration: 2,
            }),
          ],
        }
      : {}),
    ...(outputs.images
      ? {
          imageOutputs: [
            new ImageOutput({
              captureInterval: 1,
              filenamePrefix: 'img/shot',
              width: 160,
              height: 120,
            }),
          ],
        }
      : {}),
  });
}

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  env = await startWorkerTestEnv('composite-worker-');
  ({ root, client } = env);
  outDir = join(root, 'out');
  yaml = testWorkerConfigYaml({ redisUrl: env.redis.url, outDir });
  main = await startTestWorker(env, { yaml, logger, tmpName: 'tmp' });
  ({ queue, worker } = main);
});

after(async () => {
  await main?.close();
  await env?.close();
});

describe('composite worker', () => {
  it('records file, HLS and images from test sources, stops on a control message and uploads', {
    timeout: 120_000,
  }, async () => {
    const egressId = await enqueue(queue, webRequest({ segments: true, images: true }));
    const active = await waitForStatus(queue, egressId, EgressStatus.EGRESS_ACTIVE);
    assert.match(active.fileResults[0]?.filename ?? '', /^rec\/.+\.mp4$/);
    const activeAt = Date.now();
    await sleep(5000);
    const ending = await sendStop(client, egressId);
    const wallSec = (Date.now() - activeAt) / 1000;
    assert.equal(ending.status, EgressStatus.EGRESS_ENDING);
    assert.equal(ending.details, 'End reason: StopEgress API');

    const done = await waitForResult(queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    const file = done.fileResults[0];
    assert.ok(file);
    assert.ok(file.location.startsWith(outDir), file.location);
    assert.equal(BigInt((await stat(file.location)).size), file.size);
    const probe = await probeMedia(file.location);
    const resultSec = Number(file.duration) / 1e9;
    logger.info({ probe, wallSec, resultSec }, 'recorded file');
    assert.equal(probe.video?.codec, 'h264');
    assert.equal(probe.audio?.codec, 'aac');
    assert.equal(probe.video?.width, 320);
    assert.ok(Math.abs(probe.durationSec - resultSec) <= 1, `${probe.durationSec} vs ${resultSec}`);
    assert.ok(Math.abs(probe.durationSec - wallSec) <= 1.5, `${probe.durationSec} vs ${wallSec}`);

    const segments = done.segmentResults[0];
    assert.ok(segments);
    assert.equal(segments.playlistName, 'hls/index.m3u8');
    assert.ok(segments.segmentCount >= 2n, `segments: ${segments.segmentCount}`);
    const { durationsSec, uris, isEnded } = parsePlaylist(
      await readFile(segments.playlistLocation, 'utf8'),
    );
    assert.ok(isEnded, 'no #EXT-X-ENDLIST');
    assert.equal(BigInt(uris.length), segments.segmentCount);
    const live = await readFile(segments.livePlaylistLocation, 'utf8');
    assert.match(live, /#EXT-X-MEDIA-SEQUENCE/);
    // every segment is H.264 and AAC and decodes for as long as the playlist says it lasts
    for (const [i, uri] of uris.entries()) {
      const path = join(outDir, 'hls', uri);
      const segmentProbe = await probeMedia(path);
      assert.equal(segmentProbe.video?.codec, 'h264', uri);
      assert.equal(segmentProbe.audio?.codec, 'aac', uri);
      const decodedSec = (await decodedVideoFrames(path)) / FPS;
      const listedSec = durationsSec[i] ?? 0;
      assert.ok(
        Math.abs(decodedSec - listedSec) <= 2 / FPS,
        `${uri}: ${decodedSec} s decoded, ${listedSec} s listed`,
      );
    }

    const images = done.imageResults[0];
    assert.ok(images);
    assert.ok(images.imageCount >= 2n, `images: ${images.imageCount}`);
    // every image is a JPEG of the asked size that decodes to one frame
    const shots = (await readdir(join(outDir, 'img'))).filter((f) => f.endsWith('.jpeg')).sort();
    assert.equal(BigInt(shots.length), images.imageCount, shots.join(', '));
    assert.equal(shots[0], 'shot_00000.jpeg');
    for (const shot of shots) {
      const path = join(outDir, 'img', shot);
      const imageProbe = await probeMedia(path);
      assert.deepEqual(
        [imageProbe.video?.codec, imageProbe.video?.width, imageProbe.video?.height],
        ['mjpeg', 160, 120],
        shot,
      );
      assert.equal(await decodedVideoFrames(path), 1, shot);
    }

    assert.ok(done.manifestLocation.endsWith(`${egressId}.json`), done.manifestLocation);
    const manifest = JSON.parse(await readFile(done.manifestLocation, 'utf8')) as {
      egress_id: string;
      files: unknown[];
    };
    assert.equal(manifest.egress_id, egressId);
    assert.equal(manifest.files.length, 1);
  });

  it('fails an egress whose process is killed and uploads its playable partial file', {
    timeout: 120_000,
  }, async () => {
    const egressId = await enqueue(queue, webRequest());
    await waitForStatus(queue, egressId, EgressStatus.EGRESS_ACTIVE);
    await sleep(4000);
    const pid = worker.pidOf(egressId);
    assert.ok(pid, 'egress process pid');
    const killedAtMs = Date.now();
    process.kill(pid, 'SIGKILL');

    const done = await waitForResult(queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_FAILED);
    assert.equal(done.error, 'egress process exited unexpectedly (signal SIGKILL)');
    assert.equal(done.errorCode, 500);
    const file = done.fileResults[0];
    assert.ok(file?.location, 'partial file uploaded');
    const probe = await probeMedia(file.location);
    assert.equal(probe.video?.codec, 'h264');
    // playable: decoded to its end (the container's duration may list samples past it), up to
    // at most 2 s before the kill; the file starts at ACTIVE, the result's startedAt
    const decodedSec = (await decodedVideoFrames(file.location)) / FPS;
    const recordedSec = (killedAtMs - Number(file.startedAt / 1_000_000n)) / 1000;
    logger.info({ probe, decodedSec, recordedSec }, 'partial file');
    assert.ok(recordedSec >= 4, `recorded ${recordedSec} s`);
    assert.ok(recordedSec - decodedSec <= 2, `${decodedSec} s of ${recordedSec} s decode`);
  });

  it('aborts a job whose start deadline has passed', async () => {
    const egressId = await enqueue(queue, webRequest(), { startDeadlineMs: Date.now() - 1000 });
    const done = await waitForResult(queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_ABORTED);
    assert.equal(done.errorCode, 412);
  });

  it('publishes its capacity in redis with a ttl', async () => {
    const raw = await client.get(`egress:capacity:composite:${worker.workerId}`);
    assert.ok(raw, 'capacity key');
    const capacity = JSON.parse(raw) as { cpuTotal: number; cpuAvailable: number };
    assert.equal(capacity.cpuTotal, 16);
    assert.ok(capacity.cpuAvailable > 0);
  });
});

describe('composite worker streams', () => {
  it('streams to rtmp, adds and removes destinations with update-stream and records meanwhile', {
    timeout: 120_000,
  }, async () => {
    const rtmp = await startRtmpServer(join(root, 'rtmp'));
    try {
      const urlA = `${rtmp.baseUrl}/live/stream-a`;
      const urlB = `${rtmp.baseUrl}/live/stream-b`;
      const request = webRequest();
      if (request.case !== 'web') throw new Error('web request expected');
      request.value.streamOutputs = [
        new StreamOutput({ protocol: StreamProtocol.RTMP, urls: [urlA] }),
      ];
      const egressId = await enqueue(queue, request);
      const active = await waitForStatus(queue, egressId, EgressStatus.EGRESS_ACTIVE);
      assert.equal(active.streamResults[0]?.status, StreamInfo_Status.ACTIVE);
      assert.ok((active.streamResults[0]?.startedAt ?? 0n) > 0n);
      await sleep(2000);
      const probeA = await probeMedia(urlA);
      assert.equal(probeA.video?.codec, 'h264');
      assert.equal(probeA.audio?.codec, 'aac');

      const added = await sendControl(client, egressId, {
        type: 'update-stream',
        addOutputUrls: [urlB],
      });
      assert.deepEqual(
        added.streamResults.map((r) => [r.url, r.status]),
        [
          [redactStreamUrl(urlA), StreamInfo_Status.ACTIVE],
          [redactStreamUrl(urlB), StreamInfo_Status.ACTIVE],
        ],
      );
      await sleep(2000);
      assert.equal((await probeMedia(urlB)).video?.codec, 'h264');

      const removed = await sendControl(client, egressId, {
        type: 'update-stream',
        removeOutputUrls: [urlA],
      });
      const streamA = removed.streamResults[0];
      assert.equal(streamA?.status, StreamInfo_Status.FINISHED);
      assert.ok((streamA?.duration ?? 0n) > 0n);
      assert.equal(removed.streamResults[1]?.status, StreamInfo_Status.ACTIVE);

      await sendStop(client, egressId);
      const done = await waitForResult(queue, egressId);
      assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
      assert.deepEqual(
        done.streamResults.map((r) => r.status),
        [StreamInfo_Status.FINISHED, StreamInfo_Status.FINISHED],
      );
      const file = await probeMedia(done.fileResults[0]?.location ?? '');
      assert.equal(file.video?.codec, 'h264');
      assert.ok(file.durationSec >= 4, `file duration ${file.durationSec}`);
    } finally {
      await rtmp.close();
    }
  });
});

describe('composite worker stream retries', () => {
  it('retries a refused stream destination, then fails it alone while the others go on', {
    timeout: 200_000,
  }, async () => {
    const rtmp = await startRtmpServer(join(root, 'rtmp-retry'));
    try {
      const good = `${rtmp.baseUrl}/live/good-stream`;
      const key = 'key-0123456789abcdef';
      const bad = `rtmp://127.0.0.1:${await closedPort()}/live/${key}`;
      const request = webRequest({ segments: true });
      if (request.case !== 'web') throw new Error('web request expected');
      request.value.streamOutputs = [
        new StreamOutput({ protocol: StreamProtocol.RTMP, urls: [good, bad] }),
      ];
      const egressId = await enqueue(queue, request);
      await waitForStatus(queue, egressId, EgressStatus.EGRESS_ACTIVE);
      // 5 retries after 1 + 2 + 4 + 8 + 16 s, each refused at once
      const failed = await waitForInfo(
        queue,
        egressId,
        (info) => info.streamResults[1]?.status === StreamInfo_Status.FAILED,
        150_000,
      );
      const badResult = failed.streamResults[1];
      assert.equal(badResult?.url, redactStreamUrl(bad));
      // 5 retries, or fewer when a loaded machine made it stay down 60 s first
      const retries = badResult?.retries ?? 0;
      assert.ok(retries >= 2 && retries <= 5, `retries ${retries}`);
      assert.match(badResult?.error ?? '', new RegExp(`^stream failed after ${retries} retries: `));
      assert.ok(!badResult?.error.includes(key), badResult?.error);
      assert.ok((badResult?.lastRetryAt ?? 0n) > 0n);
      assert.ok((badResult?.endedAt ?? 0n) > 0n);
      assert.equal(failed.status, EgressStatus.EGRESS_ACTIVE);
      assert.equal(failed.streamResults[0]?.status, StreamInfo_Status.ACTIVE);
      assert.equal(failed.streamResults[0]?.retries, 0);
      assert.equal((await probeMedia(good)).video?.codec, 'h264');

      await sendStop(client, egressId);
      const done = await waitForResult(queue, egressId);
      assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
      assert.deepEqual(
        done.streamResults.map((r) => r.status),
        [StreamInfo_Status.FINISHED, StreamInfo_Status.FAILED],
      );
      assert.ok((done.segmentResults[0]?.segmentCount ?? 0n) > 5n);
      const file = await probeMedia(done.fileResults[0]?.location ?? '');
      const resultSec = Number(done.fileResults[0]?.duration ?? 0n) / 1e9;
      assert.equal(file.video?.codec, 'h264');
      assert.ok(file.durationSec >= 25, `file duration ${file.durationSec}`);
      assert.ok(Math.abs(file.durationSec - resultSec) <= 1, `${file.durationSec} vs ${resultSec}`);
    } finally {
      await rtmp.close();
    }
  });
});

describe('composite worker session limits', () => {
  it('ends LIMIT_REACHED at the file duration limit with the file uploaded', {
    timeout: 120_000,
  }, async () => {
    const limited = await startTestWorker(env, {
      yaml: `${yaml}\nsession_limits:\n  file_output_max_duration: 3s`,
      logger,
      tmpName: 'tmp-limit',
    });
    try {
      const egressId = await enqueue(limited.queue, webRequest());
      const done = await waitForResult(limited.queue, egressId);
      assert.equal(done.status, EgressStatus.EGRESS_LIMIT_REACHED);
      assert.equal(done.error, 'Session limit reached');
      assert.equal(done.errorCode, 413);
      assert.equal(done.details, 'End reason: Session limit reached');
      const probe = await probeMedia(done.fileResults[0]?.location ?? '');
      assert.ok(Math.abs(probe.durationSec - 3) <= 1, `duration ${probe.durationSec}`);
      assert.ok(done.manifestLocation.endsWith(`${egressId}.json`));
    } finally {
      await limited.close();
    }
  });
});

describe('composite worker admission', () => {
  it('leaves a job that does not fit in the queue and takes it once an egress ends', {
    timeout: 120_000,
  }, async () => {
    const small = await startTestWorker(env, { yaml, logger, tmpName: 'tmp-small', cpuTotal: 1 });
    const smallQueue = small.queue;
    try {
      const first = await enqueue(smallQueue, webRequest(), { cpuCost: 0.4 });
      await waitForStatus(smallQueue, first, EgressStatus.EGRESS_ACTIVE);
      const second = await enqueue(smallQueue, webRequest(), { cpuCost: 0.8 });
      await sleep(3000);
      const job = await Job.fromId(smallQueue, second);
      assert.equal(await job?.getState(), 'waiting');
      assert.equal(job?.progress, 0);
      assert.deepEqual(small.worker.activeEgressIds(), [first]);

      await sendStop(client, first);
      assert.equal((await waitForResult(smallQueue, first)).status, EgressStatus.EGRESS_COMPLETE);
      await waitForStatus(smallQueue, second, EgressStatus.EGRESS_ACTIVE);
      await sendStop(client, second);
      assert.equal((await waitForResult(smallQueue, second)).status, EgressStatus.EGRESS_COMPLETE);
    } finally {
      await small.close();
    }
  });
});

/** A composite worker on test sources in its own process; resolves once it takes jobs. */
function spawnWorker(workerPrefix: string, tmpName: string): Promise<ChildProcess> {
  return spawnTestWorkerProcess({
    yaml,
    prefix: workerPrefix,
    tmpRoot: join(root, tmpName),
    awaitReady: true,
  });
}

/** Whether any process has `text` on its command line. */
async function hasProcessWith(text: string): Promise<boolean> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) return true;
  }
  return false;
}

describe('composite worker process', () => {
  it('finishes its running egress and takes no new job after SIGTERM', {
    timeout: 120_000,
  }, async () => {
    const drain = openTestQueue(client);
    const drainQueue = drain.queue;
    const child = await spawnWorker(drain.prefix, 'tmp-drain');
    try {
      const running = await enqueue(drainQueue, webRequest());
      await waitForStatus(drainQueue, running, EgressStatus.EGRESS_ACTIVE);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await sleep(500);
      const waiting = await enqueue(drainQueue, webRequest());
      await sleep(2500);
      await sendStop(client, running);
      const done = await waitForResult(drainQueue, running);
      assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
      const job = await Job.fromId(drainQueue, waiting);
      assert.equal(await job?.getState(), 'waiting');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await drain.close();
    }
  });

  it('lets an egress finish and upload on its own when its worker is killed', {
    timeout: 120_000,
  }, async () => {
    const kill = openTestQueue(client);
    const killQueue = kill.queue;
    const child = await spawnWorker(kill.prefix, 'tmp-orphan');
    try {
      const request = webRequest();
      if (request.case !== 'web') throw new Error('web request expected');
      const fileOutput = request.value.fileOutputs[0];
      if (fileOutput) fileOutput.filepath = `orphan/${randomUUID()}.mp4`;
      const egressId = await enqueue(killQueue, request);
      await waitForStatus(killQueue, egressId, EgressStatus.EGRESS_ACTIVE);
      await sleep(3000);
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;

      const path = join(outDir, fileOutput?.filepath ?? '');
      const deadline = Date.now() + WAIT_MS;
      while (Date.now() < deadline && (await hasProcessWith(egressId))) await sleep(200);
      assert.equal(await hasProcessWith(egressId), false, 'egress processes left running');
      const probe = await probeMedia(path);
      assert.equal(probe.video?.codec, 'h264');
      assert.ok(probe.durationSec >= 2, `duration ${probe.durationSec}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await kill.close();
    }
  });
});
