import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What {@link measureAvOffset} found in a sync-signal recording. */
export interface AvOffset {
  /** Beep onsets, seconds. */
  audioOnsetsSec: number[];
  /** Flash onsets (first bright frame after a dark one), seconds. */
  videoOnsetsSec: number[];
  /** Median of (beep onset − nearest flash onset), seconds; positive: audio late. */
  medianOffsetSec: number;
}

/**
 * Measures the A/V offset of a recording of the test SFU's sync bot (a 1 kHz beep and a white
 * frame at the start of every second) with ffmpeg: beep onsets from silencedetect, flash onsets
 * from the mean luma of each frame (signalstats).
 */
export async function measureAvOffset(path: string): Promise<AvOffset> {
  const { stderr } = await run('ffmpeg', [
    '-nostats',
    '-i',
    path,
    '-vn',
    '-af',
    'silencedetect=noise=-30dB:d=0.05',
    '-f',
    'null',
    '-',
  ]);
  const audioOnsetsSec = [...stderr.matchAll(/silence_end: ([\d.]+)/g)].map((m) => Number(m[1]));
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `movie=${path},signalstats`,
    '-show_entries',
    'frame=pts_time:frame_tags=lavfi.signalstats.YAVG',
    '-of',
    'csv=p=0',
  ]);
  const videoOnsetsSec: number[] = [];
  let wasBright = false;
  for (const line of stdout.trim().split('\n')) {
    const [time, yavg] = line.split(',').map(Number);
    const isBright = (yavg ?? 0) > 180;
    if (isBright && !wasBright && time !== undefined) videoOnsetsSec.push(time);
    wasBright = isBright;
  }
  const offsets = audioOnsetsSec
    .map((a) => {
      let best: number | undefined;
      for (const v of videoOnsetsSec)
        if (best === undefined || Math.abs(a - v) < Math.abs(a - best)) best = v;
      return best === undefined ? undefined : a - best;
    })
    .filter((d): d is number => d !== undefined && Math.abs(d) < 0.5)
    .sort((x, y) => x - y);
  return {
    audioOnsetsSec,
    videoOnsetsSec,
    medianOffsetSec: offsets[Math.floor(offsets.length / 2)] ?? Number.NaN,
  };
}
