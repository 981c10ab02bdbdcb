import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodedVideoFrames,
  type MediaProbe,
  meanVolumeDb,
  parsePlaylist,
  probeMedia,
} from '@egress/media/testing';
import type { EgressRequest } from '@egress/protocol';
import {
  AZURITE_ACCOUNT_KEY,
  AZURITE_ACCOUNT_NAME,
  type AzuriteEmulator,
  S3RVER_ACCESS_KEY,
  S3RVER_SECRET,
  type S3rverEmulator,
  startAzurite,
  startS3rver,
} from '@egress/storage/testing';
import {
  type EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  ImageFileSuffix,
  ImageOutput,
  S3Upload,
  SegmentedFileOutput,
} from '@livekit/protocol';
import type { Queue } from 'bullmq';
import { enqueue, sendStop, waitForResult, waitForStatus } from './testing/job-driver.js';
import { testWebRequest } from './testing/test-web-request.js';
import { testWorkerConfigYaml } from './testing/test-worker-config.js';
import type { TestWorker, WorkerTestEnv } from './testing/worker-test-env.js';
import { startTestWorker, startWorkerTestEnv, testLogger } from './testing/worker-test-env.js';

// Real Redis, BullMQ, GStreamer (test sources instead of Chromium), s3rver, Azurite and ffprobe.
const logger = testLogger('composite-storage-test');
const BUCKET = 'egress-test';
const RECORD_MS = 5000;
/** The frame rate of testEncoding. */
const FPS = 30;

let env: WorkerTestEnv;
let s3: S3rverEmulator;
let azurite: AzuriteEmulator;

before(async () => {
  env = await startWorkerTestEnv('composite-storage-');
  [s3, azurite] = await Promise.all([startS3rver({ buckets: [BUCKET] }), startAzurite()]);
});

after(async () => {
  await Promise.all([s3?.close(), azurite?.close()]);
  await env?.close();
});

/** A worker on its own queue with `storageYaml` as its server storage; stopped by `close`. */
function startWorker(name: string, storageYaml?: string): Promise<TestWorker> {
  return startTestWorker(env, {
    yaml: testWorkerConfigYaml({
      redisUrl: env.redis.url,
      outDir: join(env.root, `${name}-local`),
      ...(storageYaml ? { extra: storageYaml } : {}),
    }),
    logger,
    tmpName: `${name}-tmp`,
  });
}

/** MP4 + HLS (2 s segments) + JPEG images every second, 320x240, under `folder/`. */
function request(folder: string, imageSuffix: ImageFileSuffix, upload?: S3Upload): EgressRequest {
  const output = upload ? { output: { case: 's3' as const, value: upload } } : {};
  return testWebRequest({
    fileOutputs: [
      new EncodedFileOutput({
        fileType: EncodedFileType.MP4,
        filepath: `${folder}/rec.mp4`,
        ...output,
      }),
    ],
    segmentOutputs: [
      new SegmentedFileOutput({
        filenamePrefix: `${folder}/hls/seg`,
        playlistName: `${folder}/hls/index.m3u8`,
        livePlaylistName: `${folder}/hls/live.m3u8`,
        segmentDuration: 2,
        ...output,
      }),
    ],
    imageOutputs: [
      new ImageOutput({
        captureInterval: 1,
        filenamePrefix: `${folder}/img/shot`,
        filenameSuffix: imageSuffix,
        width: 160,
        height: 120,
        ...output,
      }),
    ],
  });
}

/** Records RECORD_MS, stops, and returns the final info (COMPLETE) and the recorded span. */
async function record(queue: Queue, req: EgressRequest): Promise<EgressInfo> {
  const egressId = await enqueue(queue, req);
  await waitForStatus(queue, egressId, EgressStatus.EGRESS_ACTIVE);
  await sleep(RECORD_MS);
  await sendStop(env.client, egressId);
  const done = await waitForResult(queue, egressId);
  assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
  return done;
}

/** How a test reads what was stored. */
interface Store {
  /** The object at `key` (relative to the bucket or container). */
  read(key: string): Promise<Buffer>;
  /** Keys under `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** The location the worker reports for `key`. */
  location(key: string): string;
}

/** ffprobe and the mean audio level of downloaded bytes (in a temp file with extension `ext`). */
async function probeData(data: Buffer, ext: string): Promise<MediaProbe & { volumeDb: number }> {
  const path = join(env.root, `${randomUUID()}${ext}`);
  await writeFile(path, data);
  try {
    return { ...(await probeMedia(path)), volumeDb: await meanVolumeDb(path) };
  } finally {
    await rm(path, { force: true });
  }
}

/** ffprobe and the decoded video frames of downloaded bytes (a temp file with extension `ext`). */
async function decodeData(data: Buffer, ext: string): Promise<MediaProbe & { frames: number }> {
  const path = join(env.root, `${randomUUID()}${ext}`);
  await writeFile(path, data);
  try {
    return { ...(await probeMedia(path)), frames: await decodedVideoFrames(path) };
  } finally {
    await rm(path, { force: true });
  }
}

/** The `#EXT-X-PROGRAM-DATE-TIME` values of a playlist, in epoch ms. */
function datesOf(playlist: string): number[] {
  const tag = '#EXT-X-PROGRAM-DATE-TIME:';
  return playlist
    .split('\n')
    .filter((l) => l.startsWith(tag))
    .map((l) => Date.parse(l.slice(tag.length)));
}

/** Checks the uploaded MP4, HLS, images and manifest against the EgressInfo. */
async function assertStored(store: Store, done: EgressInfo, folder: string): Promise<string[]> {
  const file = done.fileResults[0];
  assert.ok(file);
  assert.equal(file.filename, `${folder}/rec.mp4`);
  assert.equal(file.location, store.location(`${folder}/rec.mp4`));
  const mp4 = await store.read(`${folder}/rec.mp4`);
  assert.equal(BigInt(mp4.length), file.size);
  const probe = await probeData(mp4, '.mp4');
  const resultSec = Number(file.duration) / 1e9;
  logger.info({ probe, resultSec }, 'stored mp4');
  assert.equal(probe.video?.codec, 'h264');
  assert.equal(probe.audio?.codec, 'aac');
  assert.equal(probe.video?.width, 320);
  assert.equal(probe.video?.height, 240);
  assert.ok(Math.abs((probe.video?.fps ?? 0) - 30) <= 3, `fps ${probe.video?.fps}`);
  assert.ok(probe.volumeDb > -40, `the test tone is silent: ${probe.volumeDb} dB`);
  assert.ok(Math.abs(probe.durationSec - resultSec) <= 1, `${probe.durationSec} vs ${resultSec}`);
  assert.ok(probe.durationSec >= RECORD_MS / 1000 - 1, `mp4 duration ${probe.durationSec}`);

  const segments = done.segmentResults[0];
  assert.ok(segments);
  assert.equal(segments.playlistLocation, store.location(`${folder}/hls/index.m3u8`));
  assert.equal(segments.livePlaylistLocation, store.location(`${folder}/hls/live.m3u8`));
  const playlist = (await store.read(`${folder}/hls/index.m3u8`)).toString('utf8');
  assert.match(playlist, /#EXT-X-ENDLIST/);
  const uris = playlist.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.equal(BigInt(uris.length), segments.segmentCount);
  assert.ok(segments.segmentCount >= 2n, `segments ${segments.segmentCount}`);
  const stored = await store.list(`${folder}/hls/`);
  for (const uri of uris) assert.ok(stored.includes(`${folder}/hls/${uri}`), uri);
  // every stored segment is H.264 and AAC and decodes for as long as the playlist says
  const { durationsSec } = parsePlaylist(playlist);
  for (const [i, uri] of uris.entries()) {
    const segment = await decodeData(await store.read(`${folder}/hls/${uri}`), '.ts');
    assert.equal(segment.video?.codec, 'h264', uri);
    assert.equal(segment.audio?.codec, 'aac', uri);
    const decodedSec = segment.frames / FPS;
    const listedSec = durationsSec[i] ?? 0;
    assert.ok(
      Math.abs(decodedSec - listedSec) <= 2 / FPS,
      `${uri}: ${decodedSec} s decoded, ${listedSec} s listed`,
    );
  }
  // Go's EVENT playlist: every entry dated on the wall clock, in order, during the recording
  assert.match(playlist, /^#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-PLAYLIST-TYPE:EVENT\n/);
  const dates = datesOf(playlist);
  assert.equal(dates.length, uris.length);
  const endedMs = Number(segments.endedAt / 1_000_000n);
  for (const [i, atMs] of dates.entries()) {
    assert.ok(atMs > (dates[i - 1] ?? 0), `dates out of order: ${dates.join()}`);
    assert.ok(atMs > endedMs - 60_000 && atMs < endedMs, `segment ${i} dated ${atMs}`);
  }
  const live = (await store.read(`${folder}/hls/live.m3u8`)).toString('utf8');
  assert.match(live, /#EXT-X-MEDIA-SEQUENCE:\d+/);
  assert.match(live, /#EXT-X-ENDLIST/);
  assert.doesNotMatch(live, /#EXT-X-PLAYLIST-TYPE/);
  const liveUris = live.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.deepEqual(datesOf(live), dates.slice(-liveUris.length));

  const images = done.imageResults[0];
  assert.ok(images);
  assert.equal(images.filenamePrefix, `${folder}/img/shot`);
  assert.ok(images.imageCount >= 2n, `images ${images.imageCount}`);
  // Go uploads the manifest next to each output that keeps one: the images' folder too
  const imageFolder = await store.list(`${folder}/img/`);
  assert.ok(imageFolder.includes(`${folder}/img/${done.egressId}.json`), imageFolder.join());
  // every stored image is a JPEG of the asked size that decodes to one frame (how many there
  // are depends on the suffix: the callers check it)
  const imageKeys = imageFolder.filter((key) => key.endsWith('.jpeg'));
  assert.ok(imageKeys.length > 0, imageFolder.join());
  for (const key of imageKeys) {
    const image = await decodeData(await store.read(key), '.jpeg');
    assert.deepEqual(
      [image.video?.codec, image.video?.width, image.video?.height, image.frames],
      ['mjpeg', 160, 120, 1],
      key,
    );
  }

  assert.equal(done.manifestLocation, store.location(`${folder}/${done.egressId}.json`));
  const manifest = JSON.parse(
    (await store.read(`${folder}/${done.egressId}.json`)).toString('utf8'),
  ) as { egress_id: string; files: { location: string }[]; images: unknown[] };
  assert.equal(manifest.egress_id, done.egressId);
  assert.deepEqual(
    manifest.files.map((f) => f.location),
    [file.location],
  );
  return imageKeys;
}

describe('composite worker storage', () => {
  it('uploads mp4, hls and images to s3 (s3rver) from the request upload blocks', {
    timeout: 180_000,
  }, async () => {
    const worker = await startWorker('s3');
    try {
      const folder = `s3-${randomUUID().slice(0, 8)}`;
      const upload = new S3Upload({
        accessKey: S3RVER_ACCESS_KEY,
        secret: S3RVER_SECRET,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        bucket: BUCKET,
        forcePathStyle: true,
      });
      const done = await record(
        worker.queue,
        request(folder, ImageFileSuffix.IMAGE_SUFFIX_NONE_OVERWRITE, upload),
      );
      const store: Store = {
        location: (key) => `${s3.endpoint}/${BUCKET}/${key}`,
        read: async (key) => {
          const res = await fetch(`${s3.endpoint}/${BUCKET}/${key}`);
          assert.equal(res.status, 200, `GET ${key}`);
          return Buffer.from(await res.arrayBuffer());
        },
        list: async (prefix) => {
          const res = await fetch(`${s3.endpoint}/${BUCKET}?prefix=${encodeURIComponent(prefix)}`);
          const xml = await res.text();
          return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1] ?? '');
        },
      };
      const imageKeys = await assertStored(store, done, folder);
      // NONE_OVERWRITE: every image went to the same name, the last one stays
      assert.deepEqual(imageKeys, [`${folder}/img/shot.jpeg`]);
      // nothing was left behind below local_output_dir: it all went to s3
      await assert.rejects(readFile(join(env.root, 's3-local', folder, 'rec.mp4')));
    } finally {
      await worker.close();
    }
  });

  it('uploads mp4, hls and images to azure (azurite) from the worker storage config', {
    timeout: 180_000,
  }, async () => {
    const container = 'egress-test';
    const worker = await startWorker(
      'azure',
      [
        'storage:',
        '  azure:',
        `    account_name: ${AZURITE_ACCOUNT_NAME}`,
        `    account_key: ${AZURITE_ACCOUNT_KEY}`,
        `    container_name: ${container}`,
        `    endpoint: ${azurite.endpoint}`,
      ].join('\n'),
    );
    try {
      const folder = `azure-${randomUUID().slice(0, 8)}`;
      const startedMs = Date.now();
      const done = await record(
        worker.queue,
        request(folder, ImageFileSuffix.IMAGE_SUFFIX_TIMESTAMP),
      );
      const endedMs = Date.now();
      const blobs = azurite.serviceClient().getContainerClient(container);
      const store: Store = {
        location: (key) => `${azurite.endpoint}/${container}/${key}`,
        read: (key) => blobs.getBlobClient(key).downloadToBuffer(),
        list: async (prefix) => {
          const names: string[] = [];
          for await (const blob of blobs.listBlobsFlat({ prefix })) names.push(blob.name);
          return names;
        },
      };
      const imageKeys = await assertStored(store, done, folder);
      // TIMESTAMP: one object per image, named by its capture time (UTC, with milliseconds)
      assert.equal(BigInt(imageKeys.length), done.imageResults[0]?.imageCount);
      for (const key of imageKeys) {
        const m = /\/shot_(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d{3})\.jpeg$/.exec(key);
        assert.ok(m, key);
        const [, y, mo, d, h, mi, s, ms] = m.map(Number);
        const atMs = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s, ms);
        assert.ok(atMs >= startedMs - 1000 && atMs <= endedMs + 1000, `${key} outside the run`);
      }
    } finally {
      await worker.close();
    }
  });
});
