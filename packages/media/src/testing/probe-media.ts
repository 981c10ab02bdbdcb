import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What the tests check of a media file. */
export interface MediaProbe {
  durationSec: number;
  video?: { codec: string; width: number; height: number; fps: number; profile?: string };
  audio?: { codec: string; sampleRateHz: number; channels: number };
}

function parseRate(rate: string | undefined): number {
  const [num, den] = (rate ?? '0/1').split('/').map(Number);
  return num !== undefined && den ? num / den : 0;
}

/** Reads duration and the first video and audio stream of a file with ffprobe. */
export async function probeMedia(path: string): Promise<MediaProbe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    path,
  ]);
  const data = JSON.parse(stdout) as {
    format?: { duration?: string };
    streams?: Array<Record<string, string | number | undefined>>;
  };
  const streams = data.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  return {
    durationSec: Number(data.format?.duration ?? 0),
    ...(v
      ? {
          video: {
            codec: String(v.codec_name),
            width: Number(v.width),
            height: Number(v.height),
            fps: parseRate(String(v.avg_frame_rate ?? v.r_frame_rate)),
            ...(v.profile !== undefined ? { profile: String(v.profile) } : {}),
          },
        }
      : {}),
    ...(a
      ? {
          audio: {
            codec: String(a.codec_name),
            sampleRateHz: Number(a.sample_rate),
            channels: Number(a.channels),
          },
        }
      : {}),
  };
}

/** Mean audio level in dB from ffmpeg's `volumedetect` (a 0.5-volume sine gives about -9 dB). */
export async function meanVolumeDb(path: string): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    '-hide_banner',
    '-nostats',
    '-i',
    path,
    '-af',
    'volumedetect',
    '-vn',
    '-f',
    'null',
    '-',
  ]);
  const match = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr);
  if (!match?.[1]) throw new Error(`no mean_volume in ffmpeg output of ${path}`);
  return match[1] === '-inf' ? Number.NEGATIVE_INFINITY : Number(match[1]);
}

/** Segment durations from an HLS playlist's `#EXTINF` lines, and whether it ends with ENDLIST. */
export function parsePlaylist(text: string): {
  durationsSec: number[];
  uris: string[];
  isEnded: boolean;
} {
  const durationsSec: number[] = [];
  const uris: string[] = [];
  for (const line of text.split('\n')) {
    const extinf = /^#EXTINF:([\d.]+)/.exec(line);
    if (extinf?.[1]) durationsSec.push(Number(extinf[1]));
    else if (line.trim() !== '' && !line.startsWith('#')) uris.push(line.trim());
  }
  return { durationsSec, uris, isEnded: text.includes('#EXT-X-ENDLIST') };
}

/**
 * Decodes the first video stream from `startSec` on (an input seek, `-ss` before `-i`) and
 * returns how many frames came out; rejects when FFmpeg fails.
 */
export async function decodedVideoFrames(
  path: string,
  options: { startSec?: number; maxFrames?: number } = {},
): Promise<number> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostats',
      '-v',
      'error',
      ...(options.startSec !== undefined ? ['-ss', String(options.startSec)] : []),
      '-i',
      path,
      '-map',
      '0:v:0',
      ...(options.maxFrames !== undefined ? ['-frames:v', String(options.maxFrames)] : []),
      '-f',
      'null',
      '-progress',
      'pipe:1',
      '-',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const frames = [...stdout.matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1]));
  return frames.at(-1) ?? 0;
}
