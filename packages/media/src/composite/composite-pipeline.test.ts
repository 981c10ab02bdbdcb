import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, type EncodingSettings, type OutputFileType } from '@egress/protocol';
import { findFreePort } from '@egress/service-runtime';
import { type GstExit, GstProcess } from '../gst/gst-process.js';
import { StreamFanout } from '../stream/stream-fanout.js';
import {
  decodedVideoFrames,
  meanVolumeDb,
  parsePlaylist,
  probeMedia,
} from '../testing/probe-media.js';
import { SMALL_TEST_ENCODING } from '../testing/small-encoding.js';
import { writeLivePlaylist } from './live-playlist.js';
import {
  type CompositeOutputPlan,
  type PipelineSources,
  planCompositePipeline,
} from './pipeline-plan.js';

// Real GStreamer and ffprobe; small live test sources so the file stays well under 90 s on 2 cores.
const logger = createLogger({ service: 'media-test', level: process.env.LOG_LEVEL ?? 'silent' });
const encoding: EncodingSettings = SMALL_TEST_ENCODING;
const testSources: PipelineSources = { video: { kind: 'test' }, audio: { kind: 'test' } };
/** Tolerance of a recorded duration against the time between PLAYING and SIGINT. */
const DURATION_TOLERANCE_SEC = 0.5;
const SILENCE_DB = -40;

let root: string;

async function record(
  outputs: Omit<CompositeOutputPlan, 'encoding'>,
  seconds: number,
  options: {
    encoding?: Partial<EncodingSettings>;
    sources?: PipelineSources;
    during?: () => Promise<void>;
  } = {},
): Promise<{ exit: GstExit; recordedSec: number; args: string[] }> {
  const { args } = planCompositePipeline({
    outputs: { encoding: { ...encoding, ...options.encoding }, ...outputs },
    sources: options.sources ?? testSources,
  });
  const gst = GstProcess.start({ args, logger });
  try {
    await gst.whenPlaying();
    const startedAt = performance.now();
    await (options.during?.() ?? sleep(seconds * 1000));
    const recordedSec = (performance.now() - startedAt) / 1000;
    const exit = await gst.stop();
    return { exit, recordedSec, args };
  } finally {
    await gst.kill();
  }
}

function assertNear(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual.toFixed(3)} s, expected ${expected.toFixed(3)} ± ${tolerance} s`,
  );
}

describe('composite pipeline with GStreamer', { timeout: 120_000 }, () => {
  before(async () => {
    // spaces and unicode in every path the pipelines write
    root = await mkdtemp(join(tmpdir(), 'media test é '));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('records an MP4 with H.264, AAC and a tone, finalized by one SIGINT', async (t) => {
    const path = join(root, 'my recording ü "q" it\'s.mp4');
    const { exit, recordedSec } = await record({ file: { fileType: 'mp4', localPath: path } }, 3.5);
    assert.equal(exit.isCleanEos, true, exit.tail.join('\n'));
    const probe = await probeMedia(path);
    assertNear(probe.durationSec, recordedSec, DURATION_TOLERANCE_SEC, 'duration');
    assert.equal(probe.video?.codec, 'h264');
    assert.equal(probe.video?.profile, 'Main');
    assert.equal(probe.video?.width, 320);
    assert.equal(probe.video?.height, 240);
    assertNear(probe.video?.fps ?? 0, 30, 3, 'fps');
    assert.equal(probe.audio?.codec, 'aac');
    assert.equal(probe.audio?.sampleRateHz, 48000);
    const volumeDb = await meanVolumeDb(path);
    assert.ok(volumeDb > SILENCE_DB, 'audio is not silent');
    // seekable: an input seek to 2 s decodes the rest, about 1.5 s of 30 fps
    const framesAfterSeek = await decodedVideoFrames(path, { startSec: 2 });
    assertNear(framesAfterSeek / 30, probe.durationSec - 2, 0.5, 'decoded after a seek to 2 s');
    t.diagnostic(
      `recorded ${recordedSec.toFixed(2)} s, ffprobe ${JSON.stringify(probe)}, mean ${volumeDb} dB, ${framesAfterSeek} frames after -ss 2`,
    );
  });

  const audioOnly: Array<{
    name: string;
    input: { fileType: OutputFileType; audioCodec: EncodingSettings['audioCodec'] };
    want: string;
  }> = [
    {
      name: 'records audio-only OGG with Opus',
      input: { fileType: 'ogg', audioCodec: 'opus' },
      want: 'opus',
    },
    { name: 'records audio-only MP3', input: { fileType: 'mp3', audioCodec: 'mp3' }, want: 'mp3' },
    {
      name: 'records audio-only MP4 with AAC',
      input: { fileType: 'mp4', audioCodec: 'aac' },
      want: 'aac',
    },
  ];
  for (const c of audioOnly) {
    it(c.name, async (t) => {
      const path = join(root, `audio only.${c.input.fileType}`);
      const { exit, recordedSec } = await record(
        { file: { fileType: c.input.fileType, localPath: path } },
        2.5,
        {
          encoding: { audioCodec: c.input.audioCodec },
          sources: { audio: { kind: 'test' } },
        },
      );
      assert.equal(exit.isCleanEos, true, exit.tail.join('\n'));
      const probe = await probeMedia(path);
      assert.equal(probe.video, undefined);
      assert.equal(probe.audio?.codec, c.want);
      assertNear(probe.durationSec, recordedSec, DURATION_TOLERANCE_SEC, 'duration');
      const volumeDb = await meanVolumeDb(path);
      assert.ok(volumeDb > SILENCE_DB, 'audio is not silent');
      t.diagnostic(
        `recorded ${recordedSec.toFixed(2)} s, ffprobe ${JSON.stringify(probe)}, mean ${volumeDb} dB`,
      );
    });
  }

  it('cuts HLS segments of the requested 2 s and derives the live playlist', async (t) => {
    const dir = join(root, 'hls ü');
    await mkdir(dir);
    const { exit, recordedSec } = await record(
      {
        segments: {
          localDir: dir,
          segmentPattern: 'seg_%05d.ts',
          playlistName: 'index.m3u8',
          segmentDurationSec: 2,
        },
      },
      5,
    );
    assert.equal(exit.isCleanEos, true, exit.tail.join('\n'));
    const playlist = parsePlaylist(await readFile(join(dir, 'index.m3u8'), 'utf8'));
    assert.equal(playlist.isEnded, true);
    assert.ok(playlist.durationsSec.length >= 2, `segments: ${playlist.durationsSec.join(', ')}`);
    for (const d of playlist.durationsSec.slice(0, -1)) assertNear(d, 2, 0.1, 'segment');
    const total = playlist.durationsSec.reduce((a, b) => a + b, 0);
    assertNear(total, recordedSec, DURATION_TOLERANCE_SEC, 'playlist total');
    const first = await probeMedia(join(dir, playlist.uris[0] ?? ''));
    assert.equal(first.video?.codec, 'h264');
    assert.equal(first.audio?.codec, 'aac');

    assert.equal(await writeLivePlaylist(join(dir, 'index.m3u8'), join(dir, 'live.m3u8'), 2), true);
    const liveText = await readFile(join(dir, 'live.m3u8'), 'utf8');
    const live = parsePlaylist(liveText);
    assert.deepEqual(live.uris, playlist.uris.slice(-2));
    assert.match(liveText, new RegExp(`#EXT-X-MEDIA-SEQUENCE:${playlist.uris.length - 2}\\n`));
    t.diagnostic(
      `recorded ${recordedSec.toFixed(2)} s, segments ${playlist.durationsSec.join(', ')}`,
    );
  });

  it('writes a JPEG image every second', async (t) => {
    const dir = join(root, 'images');
    await mkdir(dir);
    const { exit, recordedSec } = await record(
      {
        images: [
          {
            localDir: dir,
            imagePattern: 'img_%05d.jpeg',
            captureIntervalSec: 1,
            width: 160,
            height: 120,
          },
        ],
      },
      3,
      { sources: { video: { kind: 'test' } } },
    );
    assert.equal(exit.isCleanEos, true, exit.tail.join('\n'));
    const images = (await readdir(dir)).filter((f) => f.endsWith('.jpeg'));
    // one at 0 s, then one per second; the last interval may or may not be complete, and the
    // live source runs a little before PLAYING is seen (a fraction of a second under load)
    assert.ok(
      Math.abs(images.length - (recordedSec + 1)) <= 1.5,
      `${images.length} images in ${recordedSec.toFixed(2)} s`,
    );
    const probe = await probeMedia(join(dir, 'img_00000.jpeg'));
    assert.equal(probe.video?.codec, 'mjpeg');
    assert.equal(probe.video?.width, 160);
    t.diagnostic(`${images.length} images in ${recordedSec.toFixed(2)} s`);
  });

  it('feeds file, HLS, images and two stream destinations from one encode; killing one destination leaves the rest', async (t) => {
    const dir = join(root, 'all');
    await mkdir(dir);
    const port = await findFreePort();
    const file = join(dir, 'all.mp4');
    const exits = new Map<string, GstExit>();
    const fanout = new StreamFanout({ port, logger, onExit: (id, e) => exits.set(id, e) });
    let killedExit: GstExit | undefined;
    const { exit, recordedSec, args } = await record(
      {
        file: { fileType: 'mp4', localPath: file },
        segments: {
          localDir: dir,
          segmentPattern: 'seg_%05d.ts',
          playlistName: 'index.m3u8',
          segmentDurationSec: 2,
        },
        images: [{ localDir: dir, imagePattern: 'img_%05d.jpeg', captureIntervalSec: 1 }],
        stream: { protocol: 'rtmp', port },
      },
      0,
      {
        during: async () => {
          fanout.add('a', { kind: 'file', path: join(dir, 'dest a.ts') });
          const b = fanout.add('b', { kind: 'file', path: join(dir, 'dest b.ts') });
          // nothing listens on port 1: this RTMP destination fails on its own
          fanout.add('c', { kind: 'rtmp', url: 'rtmp://127.0.0.1:1/live/streamkey_abcdefgh' });
          await sleep(1500);
          killedExit = await b.kill();
          await sleep(3000);
        },
      },
    );
    await fanout.close();
    assert.equal(args.filter((a) => a === 'x264enc').length, 1, 'one video encoder');
    assert.equal(args.filter((a) => a === 'avenc_aac').length, 1, 'one audio encoder');
    assert.equal(killedExit?.signal, 'SIGKILL');
    const failed = exits.get('c');
    assert.ok(failed && !failed.isCleanEos, 'the rtmp destination to a closed port failed');
    assert.match(GstProcess.failure(failed).message, /Connection refused|Could not connect/);
    assert.equal(exit.isCleanEos, true, exit.tail.join('\n'));

    const mp4 = await probeMedia(file);
    assertNear(mp4.durationSec, recordedSec, DURATION_TOLERANCE_SEC, 'file duration');
    assert.equal(mp4.video?.codec, 'h264');
    assert.equal(mp4.audio?.codec, 'aac');
    const playlist = parsePlaylist(await readFile(join(dir, 'index.m3u8'), 'utf8'));
    assert.ok(playlist.durationsSec.length >= 2);
    // every segment decodes for as long as the playlist says; every image is one decodable JPEG
    for (const [i, uri] of playlist.uris.entries()) {
      const decodedSec = (await decodedVideoFrames(join(dir, uri))) / encoding.framerate;
      const listedSec = playlist.durationsSec[i] ?? 0;
      assert.ok(
        Math.abs(decodedSec - listedSec) <= 2 / encoding.framerate,
        `${uri}: ${decodedSec} s decoded, ${listedSec} s listed`,
      );
    }
    const images = (await readdir(dir)).filter((f) => f.endsWith('.jpeg'));
    assert.ok(images.length >= 3, images.join(', '));
    for (const image of images) {
      assert.equal((await probeMedia(join(dir, image))).video?.codec, 'mjpeg', image);
      assert.equal(await decodedVideoFrames(join(dir, image)), 1, image);
    }

    const kept = await probeMedia(join(dir, 'dest a.ts'));
    assert.equal(kept.video?.codec, 'h264');
    assert.equal(kept.audio?.codec, 'aac');
    assert.ok(kept.durationSec >= recordedSec - 1.5, `kept destination: ${kept.durationSec} s`);
    // the killed destination's file is cut short (filesink's buffer may even leave it empty)
    const killedBytes = (await stat(join(dir, 'dest b.ts'))).size;
    const keptBytes = (await stat(join(dir, 'dest a.ts'))).size;
    assert.ok(killedBytes < keptBytes / 2, `killed ${killedBytes} B, kept ${keptBytes} B`);
    t.diagnostic(
      `recorded ${recordedSec.toFixed(2)} s; mp4 ${mp4.durationSec} s; segments ${playlist.durationsSec.join(', ')}; kept destination ${kept.durationSec} s (${keptBytes} B), killed ${killedBytes} B`,
    );
  });

  it('leaves a playable MP4 after SIGKILL of gst-launch at about 4 s', async (t) => {
    const path = join(root, 'killed ü.mp4');
    const { args } = planCompositePipeline({
      outputs: { encoding, file: { fileType: 'mp4', localPath: path } },
      sources: testSources,
    });
    const gst = GstProcess.start({ args, logger });
    await gst.whenPlaying();
    const playingAtMs = performance.now();
    await sleep(4000);
    const killedAtSec = (performance.now() - playingAtMs) / 1000;
    const exit = await gst.kill();
    assert.equal(exit.signal, 'SIGKILL');
    const probe = await probeMedia(path);
    assert.equal(probe.video?.codec, 'h264');
    assert.equal(probe.audio?.codec, 'aac');
    // playable: decoded to its end (the container's duration may list samples past it), up to
    // at most 2 s before the kill
    const decodedSec = (await decodedVideoFrames(path)) / encoding.framerate;
    t.diagnostic(
      `killed at ${killedAtSec.toFixed(2)} s: ${decodedSec.toFixed(2)} s decode, ffprobe ${probe.durationSec} s`,
    );
    assert.ok(killedAtSec - decodedSec <= 2, `${decodedSec} s of ${killedAtSec} s decode`);
  });
});
