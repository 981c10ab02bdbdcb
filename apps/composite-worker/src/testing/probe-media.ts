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
      ? { videoCodec: String(v.codec_name), width: Number(v.width), height: Number(v.height) }
      : {}),
    ...(a ? { audioCodec: String(a.codec_name) } : {}),
  };
}
