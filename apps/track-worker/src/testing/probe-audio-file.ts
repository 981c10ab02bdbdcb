import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What {@link probeAudioFile} found in a recording. */
export interface AudioFileProbe {
  codec: string;
  sampleRate: number;
  channels: number;
  durationSec: number;
  /** ffmpeg volumedetect mean volume, dB. */
  meanVolumeDb: number;
  /** Silent stretches of at least 300 ms below -50 dB (ffmpeg silencedetect), seconds. */
  silences: { startSec: number; endSec: number }[];
}

/** Reads codec, duration and mean volume of an audio file with ffprobe and ffmpeg. */
export async function probeAudioFile(path: string): Promise<AudioFileProbe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_name,sample_rate,channels:format=duration',
    '-of',
    'json',
    path,
  ]);
  const parsed = JSON.parse(stdout) as {
    streams?: { codec_name?: string; sample_rate?: string; channels?: number }[];
    format?: { duration?: string };
  };
  const stream = parsed.streams?.[0];
  const { stderr } = await run('ffmpeg', [
    '-nostats',
    '-i',
    path,
    '-af',
    'volumedetect,silencedetect=noise=-50dB:d=0.3',
    '-f',
    'null',
    '-',
  ]);
  const mean = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr)?.[1];
  const silences: { startSec: number; endSec: number }[] = [];
  for (const m of stderr.matchAll(/silence_start: (-?[\d.]+)[\s\S]*?silence_end: ([\d.]+)/g)) {
    silences.push({ startSec: Number(m[1]), endSec: Number(m[2]) });
  }
  return {
    silences,
    codec: stream?.codec_name ?? '',
    sampleRate: Number(stream?.sample_rate ?? 0),
    channels: stream?.channels ?? 0,
    durationSec: Number(parsed.format?.duration ?? 0),
    meanVolumeDb: mean === undefined || mean === '-inf' ? Number.NEGATIVE_INFINITY : Number(mean),
  };
}
