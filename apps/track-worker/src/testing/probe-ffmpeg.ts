import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A stretch of a recording that a detect filter reported (silence, black), seconds. */
export interface Stretch {
  startSec: number;
  endSec: number;
}

/**
 * Reads `streamEntries` of the first stream ffprobe lists (after `selectArgs`, such as
 * `-select_streams v:0`) and the file's duration.
 */
export async function probeFirstStream<Stream extends object>(
  path: string,
  streamEntries: readonly (keyof Stream & string)[],
  selectArgs: readonly string[] = [],
): Promise<{ stream: Partial<Stream> | undefined; durationSec: number }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    ...selectArgs,
    '-show_entries',
    `stream=${streamEntries.join(',')}:format=duration`,
    '-of',
    'json',
    path,
  ]);
  const parsed = JSON.parse(stdout) as {
    streams?: Partial<Stream>[];
    format?: { duration?: string };
  };
  return { stream: parsed.streams?.[0], durationSec: Number(parsed.format?.duration ?? 0) };
}

/**
 * Decodes a file through `filterArgs` (such as `-af volumedetect`) into nothing and returns
 * ffmpeg's log, where the filters report what they found.
 */
export async function ffmpegFilterLog(
  path: string,
  filterArgs: readonly string[],
): Promise<string> {
  const { stderr } = await run('ffmpeg', [
    '-nostats',
    '-i',
    path,
    ...filterArgs,
    '-f',
    'null',
    '-',
  ]);
  return stderr;
}

/** The stretches a detect filter logged; `pattern` (global) captures the start, then the end. */
export function loggedStretches(log: string, pattern: RegExp): Stretch[] {
  return [...log.matchAll(pattern)].map((m) => ({ startSec: Number(m[1]), endSec: Number(m[2]) }));
}
