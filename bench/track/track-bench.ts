/**
 * The measurements of bench/track.ts: CPU per track egress (audio to OGG, audio to a WebSocket,
 * 720p30 video to MP4) and whether N concurrent audio egresses hold real time, through the real
 * code path (`runTrackEgress` in cell-like child processes of up to 10 egresses, one
 * `gst-launch-1.0` encoder child each) against the test SFU and its bots, which run in child
 * processes of their own (./track-bench-source.ts). Must run inside the network namespace
 * (scripts/netns-run).
 */
import { execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ProcessUsage } from '@egress/service-runtime';
import { CELL_GC_FLAGS, probeVideoFile } from '@egress/track-worker/testing';
import { WebSocketServer } from 'ws';
import { ThreadUsage } from './thread-usage.js';
import type { VideoSenderStats } from './track-bench-source.js';

const run = promisify(execFile);
const apiKey = 'track-bench-key';
const apiSecret = 'track-bench-secret-track-bench-secret-0';
const PER_CELL = 10;

/** What one bench row ran. */
export interface TrackBenchCase {
  name: string;
  media: 'audio' | 'video';
  output: 'ogg' | 'mp4' | 'websocket';
  /** Concurrent egresses (in cells of 10). */
  count: number;
  /** Check every output file for real time (tone coverage). */
  checkRealTime?: boolean;
  /** Decoded audio frame length, milliseconds. @defaultValue runTrackEgress's (60) */
  frameSizeMs?: number;
}

/** One row of the bench table. */
export interface TrackBenchRow {
  name: string;
  count: number;
  /** Cores the egress processes (cells and their encoders) used over the window. */
  cores: number;
  /** Core-seconds per media second per egress. */
  corePerEgress: number;
  /** RSS of the egress processes per egress, MB. */
  rssMbPerEgress: number;
  /** Egresses that ended COMPLETE. */
  complete: number;
  /**
   * Cores the source processes (./track-bench-source.ts) used over the window: the test SFU
   * (werift, forwarding and encrypting every packet in JavaScript) and the bots. When it nears one
   * core, gaps in the outputs are the SFU's, not the egresses'.
   */
  sfuCores: number;
  /**
   * With `checkRealTime`: egresses whose file holds the tone for ≥ 98 % of the measured window
   * (all egresses running, none joining or leaving).
   */
  realTime?: number;
  /** With `checkRealTime`: the lowest tone coverage of the window in any file, 0–1. */
  minCoverage?: number;
  /** With `checkRealTime`: the median tone coverage of the window, 0–1. */
  medianCoverage?: number;
  /**
   * With `checkRealTime`: the median tone coverage of whole files, from the first tone to the
   * end, including the joins of all the other egresses (which stall the test SFU's JavaScript:
   * its gaps fall at the same wall-clock times in every file).
   */
  medianFileCoverage?: number;
  /** With `checkRealTime`: median delay from ACTIVE to the first tone in the file, seconds. */
  medianFirstToneSec?: number;
  /**
   * The busiest threads of the egress processes over the window, cores by thread name
   * (`queue1:src` runs x264, `DecodingQueue` libwebrtc's decoder, `node` V8's helpers).
   */
  busiestThreads: Array<{ name: string; cores: number }>;
  /** Video: what the first file holds (`1280x720@30.0`), to show what the SFU delivered. */
  videoFormat?: string;
}

/** Options of {@link runTrackBench}. */
export interface TrackBenchOptions {
  cases: TrackBenchCase[];
  /** Measured window per case, seconds. @defaultValue 15 */
  windowSec?: number;
  /** Time between all egresses going ACTIVE and the window, seconds. @defaultValue 3 */
  warmupSec?: number;
  /** Called with each row as soon as it is measured. */
  onRow?: (row: TrackBenchRow) => void;
}

interface CellResult {
  status: string;
  /** When the egress went ACTIVE, wall clock (the file's time 0). */
  startedAtMs?: number;
  durationMs?: number;
  wallMs?: number;
  path?: string;
  error?: string;
}

/** Runs the cases one after another and returns a row for each. */
export async function runTrackBench(options: TrackBenchOptions): Promise<TrackBenchRow[]> {
  const room = `bench-${process.pid}`;
  const sfu = await startSource(room, []);
  const sources = [sfu];
  const dir = await mkdtemp(join(tmpdir(), 'track-bench-'));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  // The receiving end only counts: its CPU is the peer's, not the egress's.
  wss.on('connection', (socket) => socket.on('message', () => undefined));
  const wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/pcm`;
  const rows: TrackBenchRow[] = [];
  try {
    let video: Source | undefined;
    for (const c of options.cases) {
      if (c.media === 'video' && !video) {
        video = await startSource(room, [sfu.url, '1280', '720', '30']);
        sources.push(video);
      }
      const trackId = (c.media === 'video' ? video : sfu)?.trackSid;
      if (!trackId) throw new Error(`no ${c.media} track to record`);
      const row = await measureCase(c, {
        sfuUrl: sfu.url,
        room,
        video: c.media === 'video' ? video : undefined,
        sourcePids: sources.map((s) => s.pid),
        trackId,
        dir,
        wsUrl,
        options,
      });
      rows.push(row);
      options.onRow?.(row);
      if (video && c.media === 'video') {
        // Its rendering and encoding would load the machine during the audio rows.
        await video.stop();
        sources.splice(sources.indexOf(video), 1);
        video = undefined;
      }
    }
  } finally {
    wss.close();
    for (const source of sources.reverse()) await source.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

/** A running ./track-bench-source.ts child: the SFU and the tone bot, or the pattern bot. */
interface Source {
  url: string;
  trackSid?: string;
  pid: number;
  /** The pattern bot's captured size (0 for the tone bot). */
  width: number;
  height: number;
  senderStats(): Promise<VideoSenderStats | undefined>;
  stop(): Promise<void>;
}

/** Forks ./track-bench-source.ts with `args` and waits for its track. */
async function startSource(room: string, args: string[]): Promise<Source> {
  const child = fork(childEntry('track-bench-source'), args, {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_API_KEY: apiKey, BENCH_API_SECRET: apiSecret, BENCH_ROOM: room },
  });
  const reply = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string } & T) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`track bench source exited (${code}) before '${type}'`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await reply<{ url: string; trackSid?: string }>('ready');
  return {
    url: ready.url,
    trackSid: ready.trackSid,
    pid: child.pid ?? 0,
    width: Number(args[1] ?? 0),
    height: Number(args[2] ?? 0),
    async senderStats() {
      const answer = reply<{ stats?: VideoSenderStats }>('sender-stats');
      child.send({ type: 'sender-stats' });
      return (await answer).stats;
    },
    async stop() {
      const exited = once(child, 'exit');
      child.send({ type: 'stop' });
      await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

/** A sibling child entry, as .ts under tsx, as .js once built. */
function childEntry(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`./${name}.${ext}`, import.meta.url));
}

async function measureCase(
  c: TrackBenchCase,
  ctx: {
    sfuUrl: string;
    room: string;
    /** The pattern bot, for a video case. */
    video?: Source;
    /** The SFU's and bots' processes, measured apart. */
    sourcePids: number[];
    trackId: string;
    dir: string;
    wsUrl: string;
    options: TrackBenchOptions;
  },
): Promise<TrackBenchRow> {
  const entry = childEntry('track-bench-cell');
  const cells = [];
  for (let left = c.count; left > 0; left -= PER_CELL) {
    const n = Math.min(PER_CELL, left);
    const child = fork(
      entry,
      [
        ...[ctx.sfuUrl, ctx.room, ctx.trackId, c.output, String(n), ctx.dir],
        String(c.frameSizeMs ?? 60),
        ctx.wsUrl,
      ],
      {
        execArgv: [...process.execArgv, ...CELL_GC_FLAGS],
        env: { ...process.env, BENCH_API_KEY: apiKey, BENCH_API_SECRET: apiSecret },
      },
    );
    const done = new Promise<CellResult[]>((resolve) => {
      child.on('message', (m: { type: string; results?: CellResult[] }) => {
        if (m.type === 'done') resolve(m.results ?? []);
      });
      child.once('exit', () => resolve([]));
    });
    const ready = new Promise<void>((resolve) => {
      child.on('message', (m: { type: string }) => {
        if (m.type === 'ready') resolve();
      });
    });
    cells.push({ child, done, ready });
  }
  // Every egress ACTIVE (or a minute passed: the row then shows fewer complete ones).
  await Promise.race([Promise.all(cells.map((cell) => cell.ready)), sleep(60_000)]);
  if (ctx.video) await fullSizeSent(ctx.video);
  await sleep((ctx.options.warmupSec ?? 3) * 1000);
  const windowStartMs = Date.now();
  const roots = cells.map((cell) => cell.child.pid ?? 0);
  const trees = new ProcessUsage({ select: 'tree' });
  await trees.sample(roots);
  const sources = new ProcessUsage({ select: 'tree' });
  await sources.sample(ctx.sourcePids);
  const threads = new ThreadUsage(roots);
  await threads.start();
  await sleep((ctx.options.windowSec ?? 15) * 1000);
  const threadCores = await threads.stop();
  const usage = [...(await trees.sample(roots)).byLeader.values()];
  const sfuCores = [...(await sources.sample(ctx.sourcePids)).byLeader.values()].reduce(
    (sum, tree) => sum + tree.cpu,
    0,
  );
  const windowEndMs = Date.now();
  const sender = await ctx.video?.senderStats();
  for (const cell of cells) cell.child.send('stop');
  const results = (await Promise.all(cells.map((cell) => cell.done))).flat();
  const cores = usage.reduce((sum, tree) => sum + tree.cpu, 0);
  const rssBytes = usage.reduce((sum, tree) => sum + tree.rssBytes, 0);
  const row: TrackBenchRow = {
    name: c.name,
    count: c.count,
    cores,
    corePerEgress: cores / c.count,
    rssMbPerEgress: rssBytes / 1024 / 1024 / c.count,
    complete: results.filter((r) => r.status === 'complete').length,
    sfuCores,
    busiestThreads: threadCores.slice(0, 6),
  };
  if (c.checkRealTime) {
    const tones = await Promise.all(
      results.map((r) =>
        r.path && r.wallMs && r.startedAtMs
          ? toneCoverage(r.path, r.wallMs / 1000, {
              fromSec: (windowStartMs - r.startedAtMs) / 1000,
              toSec: (windowEndMs - r.startedAtMs) / 1000,
            })
          : { coverage: 0, windowCoverage: 0, firstToneSec: Number.NaN },
      ),
    );
    const coverages = tones.map((t) => t.windowCoverage);
    row.medianFirstToneSec = median(tones.map((t) => t.firstToneSec));
    row.realTime = coverages.filter((v) => v >= 0.98).length;
    row.minCoverage = Math.min(...coverages);
    row.medianCoverage = median(coverages);
    row.medianFileCoverage = median(tones.map((t) => t.coverage));
  }
  const firstPath = results.find((r) => r.path)?.path;
  if (c.media === 'video' && firstPath) {
    const probe = await probeVideoFile(firstPath);
    row.videoFormat = `${probe.width}x${probe.height}@${(probe.frames / probe.durationSec).toFixed(1)}`;
    if (sender) {
      row.videoFormat += ` (sent ${sender.width}x${sender.height}@${sender.fps.toFixed(0)}, limited by ${sender.limitation}, ${sender.resolutionChanges} size changes, target ${sender.targetKbps.toFixed(0)} kbps)`;
    }
  }
  for (const r of results) if (r.path) await rm(r.path, { force: true });
  return row;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

/**
 * How well an output file holds the bot's tone: when the tone first appears (the first frame's
 * delay after ACTIVE), the share of the time after that which is not silence (ffmpeg
 * silencedetect, -40 dB, >= 60 ms), and the same share within `window` (file seconds). The bot
 * sends a continuous tone, so later silence is audio that did not get through in time.
 */
async function toneCoverage(
  path: string,
  wallSec: number,
  window: { fromSec: number; toSec: number },
): Promise<{ coverage: number; windowCoverage: number; firstToneSec: number }> {
  const { stderr } = await run('ffmpeg', [
    '-nostats',
    '-i',
    path,
    '-af',
    'silencedetect=noise=-40dB:d=0.06',
    '-f',
    'null',
    '-',
  ]);
  let firstToneSec = 0;
  const silences: Array<[number, number]> = [];
  for (const m of stderr.matchAll(/silence_end: ([\d.]+) \| silence_duration: ([\d.]+)/g)) {
    const endSec = Number(m[1]);
    const startSec = endSec - Number(m[2]);
    if (startSec <= 0.05) firstToneSec = endSec;
    else silences.push([startSec, endSec]);
  }
  // A silence still open at the end of the file has no silence_end line.
  for (const m of stderr.matchAll(/silence_start: ([\d.]+)/g)) {
    const startSec = Number(m[1]);
    if (startSec > 0.05 && !silences.some(([s]) => Math.abs(s - startSec) < 0.001)) {
      silences.push([startSec, wallSec]);
    }
  }
  const share = (from: number, to: number) => {
    const span = to - from;
    if (span <= 0) return 0;
    const silent = silences.reduce(
      (sum, [s, e]) => sum + Math.max(0, Math.min(e, to) - Math.max(s, from)),
      0,
    );
    return Math.max(0, span - silent) / span;
  };
  return {
    coverage: share(firstToneSec, wallSec),
    windowCoverage: share(Math.max(firstToneSec, window.fromSec), window.toSec),
    firstToneSec,
  };
}

/**
 * Waits (up to 30 s) until libwebrtc sends the pattern bot's full size: its sender starts small
 * and steps up as its bandwidth estimate grows, and frames of another size cost the egress a
 * rescale, which is not the steady state being measured.
 */
async function fullSizeSent(video: Source): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const stats = await video.senderStats();
    if (stats && stats.width >= video.width && stats.height >= video.height) return;
    await sleep(500);
  }
}
