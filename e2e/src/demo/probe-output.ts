import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What ffprobe and ffmpeg say about a recording. */
export interface OutputProbe {
  durationSec: number;
  videoCodec?: string;
  width?: number;
  height?: number;
  /** Average frame rate. */
  fps?: number;
  audioCodec?: string;
  sampleRate?: number;
  channels?: number;
  /** ffmpeg `volumedetect` mean volume over the whole file, dBFS (-91 is silence). */
  meanVolumeDb?: number;
}

function ratio(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const [n, d] = value.split('/').map(Number);
  if (n === undefined || !Number.isFinite(n)) return undefined;
  if (d === undefined) return n;
  return d > 0 ? n / d : undefined;
}

/**
 * Probes a file or an HLS playlist: duration, first video and audio stream, and the audio's mean
 * volume (ffmpeg's volumedetect). Needs ffprobe and ffmpeg on PATH.
 */
export async function probeOutput(path: string): Promise<OutputProbe> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const data = JSON.parse(stdout) as {
    format?: { duration?: string };
    streams?: Array<Record<string, unknown>>;
  };
  const streams = data.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const probe: OutputProbe = { durationSec: Number(data.format?.duration ?? 0) };
  if (v) {
    probe.videoCodec = String(v.codec_name);
    probe.width = Number(v.width);
    probe.height = Number(v.height);
    const fps = ratio(v.avg_frame_rate) ?? ratio(v.r_frame_rate);
    if (fps !== undefined) probe.fps = fps;
  }
  if (a) {
    probe.audioCodec = String(a.codec_name);
    probe.sampleRate = Number(a.sample_rate);
    probe.channels = Number(a.channels);
    const volume = await run(
      'ffmpeg',
      ['-hide_banner', '-nostats', '-i', path, '-vn', '-af', 'volumedetect', '-f', 'null', '-'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const m = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(volume.stderr);
    if (m?.[1]) probe.meanVolumeDb = m[1] === '-inf' ? -Infinity : Number(m[1]);
  }
  return probe;
}

/** One video frame at `atSec`, scaled to 160×90, as raw pixels of `pixelFormat` (ffmpeg's names). */
async function smallFrame(path: string, atSec: number, pixelFormat: 'gray' | 'rgb24') {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-ss',
      atSec.toFixed(2),
      '-i',
      path,
      '-frames:v',
      '1',
      '-vf',
      `scale=160:90,format=${pixelFormat}`,
      '-f',
      'rawvideo',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 1024 * 1024 },
  );
  const pixels = stdout as Buffer;
  if (pixels.length === 0) throw new Error(`no frame at ${atSec} s in ${path}`);
  return pixels;
}

/**
 * How much one video frame varies: the standard deviation of its luma (0–255) after scaling it to
 * 160×90, at `atSec`. A frame of one colour (an empty layout's background) is near 0.
 */
export async function frameLumaDeviation(path: string, atSec: number): Promise<number> {
  const pixels = await smallFrame(path, atSec, 'gray');
  let sum = 0;
  for (const p of pixels) sum += p;
  const mean = sum / pixels.length;
  let squares = 0;
  for (const p of pixels) squares += (p - mean) ** 2;
  return Math.sqrt(squares / pixels.length);
}

/** The mean colour of one video frame at `atSec`, as `[r, g, b]` (0–255 each). */
export async function frameMeanRgb(path: string, atSec: number): Promise<[number, number, number]> {
  const pixels = await smallFrame(path, atSec, 'rgb24');
  const sums = [0, 0, 0];
  for (let i = 0; i < pixels.length; i++) sums[i % 3] = (sums[i % 3] ?? 0) + (pixels[i] ?? 0);
  const count = pixels.length / 3;
  return [(sums[0] ?? 0) / count, (sums[1] ?? 0) / count, (sums[2] ?? 0) / count];
}

/** One line of an output summary: `h264 1280x720 30.0 fps, aac 48000 Hz 2 ch, 10.1 s, -23.4 dB`. */
export function describeProbe(p: OutputProbe): string {
  const parts: string[] = [];
  if (p.videoCodec) {
    parts.push(`${p.videoCodec} ${p.width}x${p.height} ${p.fps?.toFixed(1) ?? '?'} fps`);
  }
  if (p.audioCodec) {
    parts.push(`${p.audioCodec} ${p.sampleRate} Hz ${p.channels} ch`);
  }
  parts.push(`${p.durationSec.toFixed(1)} s`);
  if (p.meanVolumeDb !== undefined) parts.push(`mean volume ${p.meanVolumeDb.toFixed(1)} dB`);
  return parts.join(', ');
}
