import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What {@link bandVolumeDb} measures. */
export interface BandVolumeOptions {
  /** Centre of the band, Hz. */
  frequencyHz: number;
  /** From this second of the file. @defaultValue 0 */
  fromSec?: number;
  /** For this many seconds. @defaultValue to the end */
  durationSec?: number;
  /** Only this channel (0 left, 1 right). @defaultValue both, as the file's downmix */
  channel?: 0 | 1;
}

/**
 * Mean volume (ffmpeg volumedetect, dB) of a narrow band around one frequency in a window of an
 * audio file: two bandpass passes (Q 10) keep a tone at that frequency and cut tones an octave
 * away by about 40 dB, so a mix of tones can be checked one tone at a time. -Infinity for
 * digital silence.
 */
export async function bandVolumeDb(path: string, options: BandVolumeOptions): Promise<number> {
  const band = `bandpass=f=${options.frequencyHz}:width_type=q:w=10`;
  const { stderr } = await run('ffmpeg', [
    '-nostats',
    ...(options.fromSec ? ['-ss', String(options.fromSec)] : []),
    ...(options.durationSec ? ['-t', String(options.durationSec)] : []),
    '-i',
    path,
    '-af',
    `${options.channel === undefined ? '' : `pan=mono|c0=c${options.channel},`}${band},${band},volumedetect`,
    '-f',
    'null',
    '-',
  ]);
  const mean = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(stderr)?.[1];
  if (mean === undefined) throw new Error(`ffmpeg found no audio in ${path}`);
  return mean === '-inf' ? Number.NEGATIVE_INFINITY : Number(mean);
}
