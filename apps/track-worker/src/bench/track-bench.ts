/**
 * The measurements of bench/track.ts: CPU per track egress (audio to OGG, audio to a WebSocket,
 * 720p30 video to MP4) and whether N concurrent audio egresses hold real time, through the real
 * code path (`runTrackEgress` in cell-like child processes of up to 10 egresses, one
 * `gst-launch-1.0` encoder child each) against the test SFU and its bots. Must run inside the
 * network namespace (scripts/netns-run).
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
import { ProcessUsage } from '@egress/protocol';
import { type Bot, startBot, startTestSfu, type TestSfu } from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';
import { WebSocketServer } from 'ws';
import { probeVideoFile } from '../testing/probe-video-file.js';

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
   * Cores the bench process itself used over the window: the test SFU (werift, forwarding and
   * encrypting every packet in JavaScript) and the bots. When it nears one core, gaps in the
   * outputs are the SFU's, not the egresses'.
   */
  sfuCores: number;
  /** With `checkRealTime`: egresses whose file holds the tone for ≥ 98 % of the wall clock. */
  realTime?: number;
  /** With `checkRealTime`: the lowest tone coverage of any file, 0–1. */
  minCoverage?: number;
  /** With `checkRealTime`: the median tone coverage, 0–1. */
  medianCoverage?: number;
  /** With `checkRealTime`: median delay from ACTIVE to the first tone in the file, seconds. */
  medianFirstToneSec?: number;
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
  durationMs?: number;
  wallMs?: number;
  path?: string;
  error?: string;
}

/** Runs the cases one after another and returns a row for each. */
export async function runTrackBench(options: TrackBenchOptions): Promise<TrackBenchRow[]> {
  const sfu = await startTestSfu({ apiKey, apiSecret });
  const room = `bench-${process.pid}`;
  const bots: Bot[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'track-bench-'));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  // The receiving end only counts: its CPU is the peer's, not the egress's.
  wss.on('connection', (socket) => socket.on('message', () => undefined));
  const wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/pcm`;
  const rows: TrackBenchRow[] = [];
  try {
    const audio = await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'tone',
      kind: 'audio',
    });
    bots.push(audio);
    let video: Bot | undefined;
    for (const c of options.cases) {
      if (c.media === 'video' && !video) {
        video = await startBot({
          url: sfu.url,
          apiKey,
          apiSecret,
          room,
          identity: 'video-720p30',
          kind: 'video',
          width: 1280,
          height: 720,
          fps: 30,
        });
        bots.push(video);
      }
      const trackId = (c.media === 'video' ? video?.publications.video : audio.publications.audio)
        ?.sid;
      if (!trackId) throw new Error(`no ${c.media} track to record`);
      const row = await measureCase(c, { sfu, room, trackId, dir, wsUrl, options });
      rows.push(row);
      options.onRow?.(row);
    }
  } finally {
    for (const bot of bots) await bot.leave();
    wss.close();
    await sfu.close();
    await dispose();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

async function measureCase(
  c: TrackBenchCase,
  ctx: {
    sfu: TestSfu;
    room: string;
    trackId: string;
    dir: string;
    wsUrl: string;
    options: TrackBenchOptions;
  },
): Promise<TrackBenchRow> {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./track-bench-cell.${isTs ? 'ts' : 'js'}`, import.meta.url));
  const cells = [];
  for (let left = c.count; left > 0; left -= PER_CELL) {
    const n = Math.min(PER_CELL, left);
    const child = fork(
      entry,
      [
        ...[ctx.sfu.url, ctx.room, ctx.trackId, c.output, String(n), ctx.dir],
        String(c.frameSizeMs ?? 60),
        ctx.wsUrl,
      ],
      {
        execArgv: process.execArgv,
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
  await sleep((ctx.options.warmupSec ?? 3) * 1000);
  const roots = cells.map((cell) => cell.child.pid ?? 0);
  const trees = new ProcessUsage({ select: 'tree' });
  await trees.sample(roots);
  const sfuBefore = process.cpuUsage();
  const windowStartMs = performance.now();
  await sleep((ctx.options.windowSec ?? 15) * 1000);
  const usage = [...(await trees.sample(roots)).byLeader.values()];
  const sfu = process.cpuUsage(sfuBefore);
  const sfuCores = (sfu.user + sfu.system) / 1000 / (performance.now() - windowStartMs);
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
  };
  if (c.checkRealTime) {
    const tones = await Promise.all(
      results.map((r) =>
        r.path && r.wallMs
          ? toneCoverage(r.path, r.wallMs / 1000)
          : { coverage: 0, firstToneSec: Number.NaN },
      ),
    );
    const coverages = tones.map((t) => t.coverage);
    row.medianFirstToneSec = median(tones.map((t) => t.firstToneSec));
    row.realTime = coverages.filter((v) => v >= 0.98).length;
    row.minCoverage = Math.min(...coverages);
    row.medianCoverage = median(coverages);
  }
  const firstPath = results.find((r) => r.path)?.path;
  if (c.media === 'video' && firstPath) {
    const probe = await probeVideoFile(firstPath);
    row.videoFormat = `${probe.width}x${probe.height}@${(probe.frames / probe.durationSec).toFixed(1)}`;
  }
  for (const r of results) if (r.path) await rm(r.path, { force: true });
  return row;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

/**
 * How well an output file holds the bot's tone: when the tone first appears (the first frame's
 * delay after ACTIVE), and the share of the wall clock after that which is not silence (ffmpeg
 * silencedetect, -40 dB, >= 60 ms). The bot sends a continuous tone, so later silence is audio
 * the egress did not get through in time.
 */
async function toneCoverage(
  path: string,
  wallSec: number,
): Promise<{ coverage: number; firstToneSec: number }> {
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
  let silentSec = 0;
  for (const m of stderr.matchAll(/silence_end: ([\d.]+) \| silence_duration: ([\d.]+)/g)) {
    const endSec = Number(m[1]);
    const lengthSec = Number(m[2]);
    if (endSec - lengthSec <= 0.05) firstToneSec = endSec;
    else silentSec += lengthSec;
  }
  const span = wallSec - firstToneSec;
  return { coverage: span > 0 ? Math.max(0, span - silentSec) / span : 0, firstToneSec };
}
