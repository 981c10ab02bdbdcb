import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Stretches of at least `minSec` where the picture does not change (ffmpeg freezedetect), and the
 * errors ffmpeg reports while decoding the whole file (empty for a clean file).
 */
export async function detectFreezes(
  path: string,
  minSec = 1,
): Promise<{ freezes: { startSec: number; endSec: number }[]; decodeErrors: string[] }> {
  const { stderr } = await run('ffmpeg', [
    '-nostats',
    '-loglevel',
    'info',
    '-i',
    path,
    '-vf',
    `freezedetect=n=-60dB:d=${minSec}`,
    '-an',
    '-f',
    'null',
    '-',
  ]);
  const starts = [...stderr.matchAll(/freeze_start: ([\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...stderr.matchAll(/freeze_end: ([\d.]+)/g)].map((m) => Number(m[1]));
  const decodeErrors = stderr
    .split('\n')
    .filter((line) => /error|corrupt|invalid/i.test(line) && !/freezedetect/.test(line));
  return {
    freezes: starts.map((startSec, i) => ({
      startSec,
      endSec: ends[i] ?? Number.POSITIVE_INFINITY,
    })),
    decodeErrors,
  };
}
