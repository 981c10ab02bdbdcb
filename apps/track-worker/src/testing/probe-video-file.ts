import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What {@link probeVideoFile} found in a recording. */
export interface VideoFileProbe {
  codec: string;
  width: number;
  height: number;
  durationSec: number;
  frames: number;
  /** Black stretches of at least 0.3 s (ffmpeg blackdetect), seconds. */
  blacks: { startSec: number; endSec: number }[];
}

/** Reads codec, size, duration, frame count and black stretches of a video file. */
export async function probeVideoFile(path: string): Promise<VideoFileProbe> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height,nb_read_frames:format=duration',
    '-of',
    'json',
    path,
  ]);
  const parsed = JSON.parse(stdout) as {
    streams?: { codec_name?: string; width?: number; height?: number; nb_read_frames?: string }[];
    format?: { duration?: string };
  };
  const stream = parsed.streams?.[0];
  const { stderr } = await run('ffmpeg', [
    '-nostats',
    '-i',
    path,
    '-vf',
    'blackdetect=d=0.3:pix_th=0.1',
    '-an',
    '-f',
    'null',
    '-',
  ]);
  const blacks: { startSec: number; endSec: number }[] = [];
  for (const m of stderr.matchAll(/black_start:([\d.]+) black_end:([\d.]+)/g)) {
    blacks.push({ startSec: Number(m[1]), endSec: Number(m[2]) });
  }
  return {
    codec: stream?.codec_name ?? '',
    width: stream?.width ?? 0,
    height: stream?.height ?? 0,
    durationSec: Number(parsed.format?.duration ?? 0),
    frames: Number(stream?.nb_read_frames ?? 0),
    blacks,
  };
}
