import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
/**
 * Luma from which a pixel counts as white (8-bit, limited range: the bot's white is 235, the
 * brightest part of its pattern, a yellow bar, ~183).
 */
const WHITE_LUMA = 200;
/** Least share of the frame a flash must whiten: a small tile of a 4-participant layout is ~3 %. */
const MIN_FLASH_AREA = 0.005;
/**
 * Longest white pulse that counts as a flash, seconds: the bot's flash is 100 ms, and a video
 * that stalls on the flash frame shows it a few frames longer; a layout change stays longer.
 */
const FLASH_SPAN_SEC = 0.5;

/** What {@link measureAvSync} found in a recording of the test SFU's sync bot. */
export interface AvSync {
  /** Beep onsets, seconds. */
  audioOnsetsSec: number[];
  /** Flash onsets (first bright frame after a dark one), seconds. */
  videoOnsetsSec: number[];
  /**
   * Beep onset − nearest flash onset, seconds, for each beep with a flash within 0.5 s, in beep
   * order; positive: audio late.
   */
  pairOffsetsSec: number[];
  /** Median of {@link pairOffsetsSec}; NaN without pairs. */
  medianOffsetSec: number;
  /** Time from each beep onset to the next, seconds (1 when the audio keeps its pace). */
  beepGapsSec: number[];
}

/** Bounds for {@link avSyncProblems}; a missing one is not checked. */
export interface AvSyncBounds {
  /** Fewest beeps and flashes the recording must show. */
  minSignals: number;
  /** Largest |gap − 1 s| between consecutive beeps, as a fraction of a second (0.01 = 1 %). */
  maxGapError?: number;
  /**
   * How many gaps may break {@link maxGapError}: one jitter buffer adaptation is a single long or
   * short gap, a playout running fast or slow is many. @defaultValue 0
   */
  gapMissesAllowed?: number;
  /** Largest |offset| of any beep-to-flash pair, seconds. */
  maxPairOffsetSec?: number;
  /** Largest |median offset|, seconds. */
  maxMedianOffsetSec?: number;
}

/** A silence ending this close to the end of the audio ended with the file. */
const EOF_MARGIN_SEC = 0.03;

/** Where ffmpeg's null output stopped (`time=` of its last progress line, or its final `size=` line). */
function audioEndSec(stderr: string): number {
  const times = [...stderr.matchAll(/time=(\d+):(\d+):([\d.]+)/g)];
  const last = times[times.length - 1];
  if (!last) return Number.POSITIVE_INFINITY;
  return Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Each frame's time and the share of its pixels that are white. */
async function whiteFractions(path: string): Promise<Array<[number, number]>> {
  const { stdout } = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `movie=${path},lutyuv=y='if(gte(val\\,${WHITE_LUMA})\\,255\\,0)',signalstats`,
      '-show_entries',
      'frame=pts_time:frame_tags=lavfi.signalstats.YAVG',
      '-of',
      'csv=p=0',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number))
    .filter((f): f is [number, number] => Number.isFinite(f[0]) && Number.isFinite(f[1]))
    .map(([time, yavg]) => [time, yavg / 255]);
}

/** Running minimum (or maximum) over `span` values centred on each one. */
function running(values: readonly number[], span: number, pick: (a: number, b: number) => number) {
  const half = Math.floor(span / 2);
  return values.map((_, i) =>
    values.slice(Math.max(0, i - half), i + half + 1).reduce((a, b) => pick(a, b)),
  );
}

/**
 * Flash onsets: frames where the white share jumps up for no longer than a flash lasts. A
 * morphological opening (running minimum, then running maximum, over {@link FLASH_SPAN_SEC})
 * keeps what changes and stays — a layout moving the bot's tile, another participant's
 * picture — and drops short rises; what it drops is the flash (a white top-hat). A frame is
 * flashing when that rise exceeds half the rise of the file's flashes (its 95th percentile;
 * flashes are a tenth of the frames). A flash that a larger lasting rise follows within the
 * span is lost, as it would be to the eye.
 */
export function flashOnsetsSec(frames: ReadonlyArray<readonly [number, number]>): number[] {
  const times = frames.map(([time]) => time);
  const whites = frames.map(([, white]) => white);
  const frameSec = median(times.slice(1).map((t, i) => t - (times[i] ?? t))) || 1 / 30;
  const span = 2 * Math.ceil(FLASH_SPAN_SEC / frameSec / 2) + 1;
  const lasting = running(running(whites, span, Math.min), span, Math.max);
  const rises = whites.map((white, i) => white - (lasting[i] ?? white));
  const sorted = [...rises].sort((x, y) => x - y);
  const flashRise = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
  const threshold = flashRise >= MIN_FLASH_AREA ? flashRise / 2 : Number.POSITIVE_INFINITY;
  const onsets: number[] = [];
  let wasFlash = false;
  rises.forEach((rise, i) => {
    const isFlash = rise > threshold;
    if (isFlash && !wasFlash) onsets.push(times[i] ?? 0);
    wasFlash = isFlash;
  });
  return onsets;
}

/**
 * Measures the A/V sync of a recording of the test SFU's sync bot (a 1 kHz beep and a white
 * frame at the start of every second) with ffmpeg: beep onsets from silencedetect (a silence
 * that ends with the file is no onset), flash onsets from the share of white pixels in each
 * frame ({@link flashOnsetsSec}). The beep spacing shows whether the audio kept its pace (a jitter buffer playing fast or catching up shows as gaps off 1 s); the pairs show
 * the offset at every second, not just on average.
 */
export async function measureAvSync(path: string): Promise<AvSync> {
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
  // silencedetect also ends a silence at the end of the file: that is no beep.
  const audioOnsetsSec = [
    ...stderr.matchAll(/silence_end: ([\d.]+) \| silence_duration: ([\d.]+)/g),
  ]
    .map((m) => Number(m[1]))
    .filter((end) => end < audioEndSec(stderr) - EOF_MARGIN_SEC);
  const videoOnsetsSec = flashOnsetsSec(await whiteFractions(path));
  const pairOffsetsSec: number[] = [];
  for (const a of audioOnsetsSec) {
    let best: number | undefined;
    for (const v of videoOnsetsSec) {
      if (best === undefined || Math.abs(a - v) < Math.abs(a - best)) best = v;
    }
    if (best !== undefined && Math.abs(a - best) < 0.5) pairOffsetsSec.push(a - best);
  }
  return {
    audioOnsetsSec,
    videoOnsetsSec,
    pairOffsetsSec,
    medianOffsetSec: median(pairOffsetsSec),
    beepGapsSec: audioOnsetsSec.slice(1).map((t, i) => t - (audioOnsetsSec[i] ?? t)),
  };
}

/** Every way `sync` breaks `bounds`, as readable lines; empty when it holds. */
export function avSyncProblems(sync: AvSync, bounds: AvSyncBounds): string[] {
  const problems: string[] = [];
  const ms = (sec: number) => `${Math.round(sec * 1000)} ms`;
  if (sync.audioOnsetsSec.length < bounds.minSignals) {
    problems.push(`${sync.audioOnsetsSec.length} beeps, want ≥ ${bounds.minSignals}`);
  }
  if (sync.videoOnsetsSec.length < bounds.minSignals) {
    problems.push(`${sync.videoOnsetsSec.length} flashes, want ≥ ${bounds.minSignals}`);
  }
  if (bounds.maxGapError !== undefined) {
    const limitMs = Math.round(bounds.maxGapError * 1000);
    // compared in whole milliseconds: a bound of 10 ms lets a gap of 1.010 s through
    const misses = sync.beepGapsSec
      .map((gap, i) => ({ i, gapMs: Math.round(gap * 1000) }))
      .filter(({ gapMs }) => Math.abs(gapMs - 1000) > limitMs);
    if (misses.length > (bounds.gapMissesAllowed ?? 0)) {
      for (const { i, gapMs } of misses) {
        problems.push(`beep ${i + 1}→${i + 2} ${gapMs} ms apart, want 1 s ± ${limitMs} ms`);
      }
    }
  }
  if (bounds.maxPairOffsetSec !== undefined) {
    const limit = bounds.maxPairOffsetSec;
    // A beep before the first or after the last flash lost its flash to the file's edge.
    const first = (sync.videoOnsetsSec[0] ?? Number.POSITIVE_INFINITY) - 0.5;
    const last = (sync.videoOnsetsSec[sync.videoOnsetsSec.length - 1] ?? 0) + 0.5;
    const covered = sync.audioOnsetsSec.filter((a) => a >= first && a <= last).length;
    if (sync.pairOffsetsSec.length < covered) {
      problems.push(`${covered - sync.pairOffsetsSec.length} beeps without a flash within 500 ms`);
    }
    sync.pairOffsetsSec.forEach((offset, i) => {
      if (Math.abs(offset) > limit)
        problems.push(`pair ${i + 1} ${ms(offset)}, want ± ${ms(limit)}`);
    });
  }
  if (
    bounds.maxMedianOffsetSec !== undefined &&
    !(Math.abs(sync.medianOffsetSec) <= bounds.maxMedianOffsetSec)
  ) {
    problems.push(`median ${ms(sync.medianOffsetSec)}, want ± ${ms(bounds.maxMedianOffsetSec)}`);
  }
  return problems;
}
