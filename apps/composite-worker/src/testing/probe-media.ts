import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What the tests check of a media file. */
export interface MediaProbe {
  durationSec: number;
  videoCodec?: string;
  audioCodec?: string;
  width?: number;
  height?: number;
  /** Average video frame rate. */
  fps?: number;
}

function frameRate(rate: string): number {
  const [num, den] = rate.split('/').map(Number);
  return num !== undefined && den ? num / den : 0;
}

/** Mean audio level in dB from ffmpeg's `volumedetect` (silence is -91 dB or -inf). */
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

/** Duration and the first video and audio codec of a file, with ffprobe. */
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
          videoCodec: String(v.codec_name),
          width: Number(v.width),
          height: Number(v.height),
          fps: frameRate(String(v.avg_frame_rate ?? v.r_frame_rate)),
        }
      : {}),
    ...(a ? { audioCodec: String(a.codec_name) } : {}),
  };
}
