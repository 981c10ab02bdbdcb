import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, DEFAULT_ENCODING, type EncodingSettings } from '@egress/protocol';
import { meanVolumeDb, parsePlaylist, probeMedia } from '../testing/probe-media.js';
import { type FdEncoder, startFdEncoder } from './fd-encoder.js';

// Real GStreamer and ffprobe. Frames and samples are written as fast as the pipes take them:
// the pipeline stamps them by count, so the output lasts what was written, whatever the load.
const logger = createLogger({ service: 'media-test', level: process.env.LOG_LEVEL ?? 'silent' });
const FPS = 15;
const SECONDS = 4;
const encoding: EncodingSettings = {
  ...DEFAULT_ENCODING,
  width: 320,
  height: 240,
  framerate: FPS,
  videoBitrateKbps: 500,
  audioCodec: 'aac',
  audioFrequencyHz: 48000,
};

/** A 160×90 I420 frame whose brightness moves with `i` (so the encoder has work). */
function frame(i: number): Buffer {
  const luma = 160 * 90;
  const out = Buffer.alloc((luma * 3) / 2, 128);
  for (let p = 0; p < luma; p += 1) out[p] = (p + i * 7) & 0xff;
  return out;
}

/** `seconds` of a 440 Hz sine, S16LE 48 kHz stereo, at half scale. */
function tone(seconds: number): Buffer {
  const samples = 48_000 * seconds;
  const out = Buffer.alloc(samples * 4);
  for (let k = 0; k < samples; k += 1) {
    const v = Math.round(Math.sin((2 * Math.PI * 440 * k) / 48_000) * 16_000);
    out.writeInt16LE(v, k * 4);
    out.writeInt16LE(v, k * 4 + 2);
  }
  return out;
}

async function feed(encoder: FdEncoder, seconds: number, withAudio: boolean): Promise<void> {
  if (withAudio) encoder.audio?.write(tone(seconds));
  for (let i = 0; i < FPS * seconds; i += 1) {
    const isBelowMark = encoder.video?.write(frame(i)) ?? true;
    if (!isBelowMark) await new Promise((resolve) => encoder.video?.once('drain', resolve));
  }
}

let root: string;

describe('startFdEncoder', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fd-encoder-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('encodes raw video and audio from pipes once into mp4, HLS and images', {
    timeout: 120_000,
  }, async () => {
    const dir = join(root, 'all');
    await mkdir(join(dir, 'hls'), { recursive: true });
    await mkdir(join(dir, 'img'), { recursive: true });
    const encoder = startFdEncoder({
      outputs: {
        encoding,
        file: { fileType: 'mp4', localPath: join(dir, 'out.mp4') },
        segments: {
          localDir: join(dir, 'hls'),
          segmentPattern: 'seg_%05d.ts',
          playlistName: 'index.m3u8',
          segmentDurationSec: 1,
        },
        images: [
          { localDir: join(dir, 'img'), imagePattern: 'img_%05d.jpeg', captureIntervalSec: 1 },
        ],
      },
      video: { width: 160, height: 90 },
      hasAudio: true,
      logger,
    });
    assert.equal(encoder.plan.args.filter((a) => a === 'x264enc').length, 1);
    await feed(encoder, SECONDS, true);
    const exit = await encoder.finish();
    assert.ok(exit.isCleanEos, `clean EOS: ${exit.error ?? exit.tail.join('\n')}`);

    const mp4 = await probeMedia(join(dir, 'out.mp4'));
    assert.equal(mp4.video?.codec, 'h264');
    assert.equal(mp4.video?.width, 320, 'scaled to the encoding size');
    assert.equal(mp4.video?.height, 240);
    assert.ok(Math.abs((mp4.video?.fps ?? 0) - FPS) < FPS * 0.1, `fps ${mp4.video?.fps}`);
    assert.equal(mp4.audio?.codec, 'aac');
    assert.ok(Math.abs(mp4.durationSec - SECONDS) < 0.5, `duration ${mp4.durationSec}`);
    assert.ok((await meanVolumeDb(join(dir, 'out.mp4'))) > -30, 'the tone is audible');

    const playlist = parsePlaylist(await readFile(join(dir, 'hls', 'index.m3u8'), 'utf8'));
    assert.ok(playlist.isEnded, 'playlist ends');
    const hlsSec = playlist.durationsSec.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(hlsSec - SECONDS) < 0.6, `segments last ${hlsSec} s`);
    const segment = await probeMedia(join(dir, 'hls', playlist.uris[0] ?? ''));
    assert.equal(segment.video?.codec, 'h264');
    assert.equal(segment.audio?.codec, 'aac');

    const images = (await readdir(join(dir, 'img'))).filter((f) => f.endsWith('.jpeg'));
    assert.ok(Math.abs(images.length - SECONDS) <= 1, `${images.length} images`);
  });

  it('writes vp8 video into webm', { timeout: 120_000 }, async () => {
    const path = join(root, 'track.webm');
    const encoder = startFdEncoder({
      outputs: {
        encoding: { ...encoding, width: 160, height: 90, videoCodec: 'vp8' },
        file: { fileType: 'webm', localPath: path },
      },
      video: { width: 160, height: 90 },
      hasAudio: false,
      logger,
    });
    assert.equal(encoder.audio, undefined);
    await feed(encoder, SECONDS, false);
    const exit = await encoder.finish();
    assert.ok(exit.isCleanEos, `clean EOS: ${exit.error ?? exit.tail.join('\n')}`);
    const probe = await probeMedia(path);
    assert.equal(probe.video?.codec, 'vp8');
    assert.equal(probe.video?.width, 160);
    assert.ok(Math.abs((probe.video?.fps ?? 0) - FPS) < FPS * 0.1, `fps ${probe.video?.fps}`);
    assert.equal(probe.audio, undefined);
    assert.ok(Math.abs(probe.durationSec - SECONDS) < 0.5, `duration ${probe.durationSec}`);
  });

  // GStreamer 1.22's splitmuxsink sometimes loses the pipeline's EOS message when a segment
  // starts just before EOS (a few runs in a hundred here with audio fed in real time and ended
  // around the 4 s boundary); the encoder must still end clean with whole outputs.
  it('finishes audio-only MP4 and HLS ended around a segment boundary', {
    timeout: 150_000,
  }, async () => {
    const chunk = tone(0.05);
    for (let run = 0; run < 8; run += 1) {
      const dir = join(root, `boundary-${run}`);
      await mkdir(join(dir, 'hls'), { recursive: true });
      const encoder = startFdEncoder({
        outputs: {
          encoding: { ...encoding, audioFrequencyHz: 44100 },
          file: { fileType: 'mp4', localPath: join(dir, 'out.mp4') },
          segments: {
            localDir: join(dir, 'hls'),
            segmentPattern: 'seg_%05d.ts',
            playlistName: 'index.m3u8',
            segmentDurationSec: 4,
          },
        },
        hasAudio: true,
        logger,
        stopDeadlineMs: 15_000,
      });
      const seconds = 3.9 + (run % 4) * 0.05;
      const startedMs = performance.now();
      for (let sent = 0; sent < seconds; sent += 0.05) {
        encoder.audio?.write(chunk);
        const aheadMs = startedMs + (sent + 0.05) * 1000 - performance.now();
        if (aheadMs > 0) await new Promise((resolve) => setTimeout(resolve, aheadMs));
      }
      const exit = await encoder.finish();
      assert.ok(exit.isCleanEos, `run ${run}: clean EOS: ${exit.error ?? exit.tail.join('\n')}`);
      const mp4 = await probeMedia(join(dir, 'out.mp4'));
      assert.equal(mp4.audio?.codec, 'aac');
      assert.ok(Math.abs(mp4.durationSec - seconds) < 0.3, `run ${run}: ${mp4.durationSec} s`);
      const playlist = parsePlaylist(await readFile(join(dir, 'hls', 'index.m3u8'), 'utf8'));
      assert.ok(playlist.isEnded, `run ${run}: playlist ends`);
      const hlsSec = playlist.durationsSec.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(hlsSec - seconds) < 0.3, `run ${run}: segments last ${hlsSec} s`);
    }
  });
});
