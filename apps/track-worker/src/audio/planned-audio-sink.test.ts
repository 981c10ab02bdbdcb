import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type AudioCodecName,
  createLogger,
  DEFAULT_ENCODING,
  type OutputFileType,
} from '@egress/protocol';
import { bandVolumeDb } from '../testing/band-volume.js';
import { probeAudioFile } from '../testing/probe-audio-file.js';
import { startPlannedAudioSink } from './planned-audio-sink.js';

const logger = createLogger({
  service: 'track-worker-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});

// `seconds` of a 1 kHz sine at half scale, S16LE 48 kHz stereo.
function sine(seconds: number): Buffer {
  const frames = 48_000 * seconds;
  const pcm = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(16_000 * Math.sin((2 * Math.PI * 1000 * i) / 48_000));
    pcm[2 * i] = v;
    pcm[2 * i + 1] = v;
  }
  return Buffer.from(pcm.buffer);
}

describe('startPlannedAudioSink', { timeout: 60_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'planned-audio-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: { fileType: OutputFileType; audioCodec: AudioCodecName; want: string }[] = [
    { fileType: 'ogg', audioCodec: 'opus', want: 'opus' },
    { fileType: 'mp4', audioCodec: 'aac', want: 'aac' },
    { fileType: 'mp3', audioCodec: 'mp3', want: 'mp3' },
  ];
  for (const c of cases) {
    it(`encodes 2 s of PCM to ${c.fileType} (${c.audioCodec}) that keeps the tone`, async () => {
      const localPath = join(dir, `out.${c.fileType}`);
      const sink = startPlannedAudioSink({
        encoding: { ...DEFAULT_ENCODING, audioCodec: c.audioCodec, audioFrequencyHz: 48_000 },
        file: { fileType: c.fileType, localPath },
        logger,
      });
      sink.write(sine(2));
      const result = await sink.close();
      assert.ok(result.sizeBytes > 1000);
      const probe = await probeAudioFile(localPath);
      assert.equal(probe.codec, c.want);
      assert.ok(Math.abs(probe.durationSec - 2) < 0.2, `duration ${probe.durationSec}`);
      assert.ok((await bandVolumeDb(localPath, { frequencyHz: 1000 })) > -20);
      assert.ok((await bandVolumeDb(localPath, { frequencyHz: 4000 })) < -40);
    });
  }

  it('rejects a container that cannot carry the codec', () => {
    assert.throws(
      () =>
        startPlannedAudioSink({
          encoding: { ...DEFAULT_ENCODING, audioCodec: 'mp3' },
          file: { fileType: 'ogg', localPath: join(dir, 'bad.ogg') },
          logger,
        }),
      /ogg output cannot carry mp3/,
    );
  });
});
