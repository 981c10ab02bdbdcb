// CPU cost and start latency of a web egress through the real web source (PulseAudio sink, Xvfb,
// Chromium) and composite pipeline (gst-launch, MP4 file), per resolution and x264 preset; then
// start latency through a composite worker process (request → ACTIVE and → PLAYING, 720p30),
// cold (warm_pool_size 0) and warm (1).
// Run: node --import tsx bench/composite.ts [seconds per configuration, default 15] [cpu|start|all]
// The start part runs the built service (apps/composite-worker/dist/main.js, BullMQ's default
// prefix): pnpm turbo run build --filter @egress/composite-worker...
// It uses EGRESS_TEST_REDIS_URL when set, else starts its own redis-server.
// Uses the PulseAudio daemon of PULSE_RUNTIME_PATH when one answers there; otherwise starts a
// private one with scripts/services (stopped again at the end). No network namespace is needed.
// CPU: utime + stime deltas from /proc over a fixed window after a warm-up, summed per process
// tree (Chromium: its process group, where its helpers live). The machine may be shared, so
// compare rows of one run, not runs.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  GstProcess,
  planCompositePipeline,
  startWebSource,
  type X264SpeedPreset,
} from '@egress/media';
import { createLogger, DEFAULT_ENCODING } from '@egress/protocol';
import { startTestRedis } from '@egress/protocol/testing';
import { runStartLatencyBench, type StartLatencyRow } from './composite/start-latency-bench.js';
import { ensurePulse } from './pulse-daemon.js';

const run = promisify(execFile);
const { env: ENV } = process;
const logger = createLogger({
  service: 'bench-composite',
  level: ENV.LOG_LEVEL ?? 'silent',
});
const argSeconds = Number(process.argv[2]);
const WINDOW_SEC = argSeconds > 0 ? argSeconds : 15;
const PART = process.argv[3] ?? 'all';
const START_RUNS = 5;
const WARMUP_SEC = 3;
const CLK_TCK = 100;

/** Moving circles, text and a 440 Hz WebAudio tone; START_RECORDING once the tone plays. */
const PAGE = `<!doctype html><html><body style="margin:0;background:#000">
<canvas id="c" style="display:block;width:100vw;height:100vh"></canvas>
<script>
const c = document.getElementById('c');
c.width = innerWidth; c.height = innerHeight;
const g = c.getContext('2d');
let frames = 0;
function draw(t) {
  g.fillStyle = '#123'; g.fillRect(0, 0, c.width, c.height);
  for (let i = 0; i < 30; i++) {
    g.fillStyle = 'hsl(' + (i * 12) + ',80%,60%)';
    g.beginPath();
    g.arc((t / 4 + i * 60) % c.width, c.height / 2 + Math.sin(t / 300 + i) * c.height / 3,
      c.height / 30, 0, 7);
    g.fill();
  }
  g.fillStyle = '#fff'; g.font = (c.height / 12) + 'px sans-serif';
  g.fillText('egress bench ' + (frames++) + ' ' + (t / 1000).toFixed(2) + ' s', 40, c.height / 6);
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
const ctx = new AudioContext();
const osc = ctx.createOscillator();
const gain = ctx.createGain();
osc.frequency.value = 440; gain.gain.value = 0.3;
osc.connect(gain).connect(ctx.destination); osc.start();
console.log('START_RECORDING');
</script></body></html>`;

interface Config {
  name: string;
  width: number;
  height: number;
  videoBitrateKbps: number;
  speedPreset?: X264SpeedPreset;
}

const CONFIGS: Config[] = [
  { name: '720p30 default', width: 1280, height: 720, videoBitrateKbps: 3000 },
  {
    name: '720p30 ultrafast',
    width: 1280,
    height: 720,
    videoBitrateKbps: 3000,
    speedPreset: 'ultrafast',
  },
  { name: '1080p30 default', width: 1920, height: 1080, videoBitrateKbps: 4500 },
  {
    name: '1080p30 ultrafast',
    width: 1920,
    height: 1080,
    videoBitrateKbps: 4500,
    speedPreset: 'ultrafast',
  },
];

type Group = 'chromium' | 'gst' | 'xvfb' | 'pulse';
const GROUPS: Group[] = ['chromium', 'gst', 'xvfb', 'pulse'];

interface ProcStat {
  ppid: number;
  pgrp: number;
  ticks: number;
}

/** Every process's parent, process group and utime + stime (clock ticks). */
async function readProcs(): Promise<Map<number, ProcStat>> {
  const procs = new Map<number, ProcStat>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (text === '') continue;
    // fields after the command's closing parenthesis: state(3) ppid(4) pgrp(5) ... utime(14) stime(15)
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    procs.set(Number(entry), {
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      ticks: Number(f[11]) + Number(f[12]),
    });
  }
  return procs;
}

function isUnder(procs: Map<number, ProcStat>, pid: number, root: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
    if (p === root) return true;
    p = procs.get(p)?.ppid ?? 0;
  }
  return false;
}

/** Which group a process belongs to: Chromium's process group or tree, gst's tree, Xvfb, PulseAudio. */
function groupOf(
  procs: Map<number, ProcStat>,
  pid: number,
  roots: Record<Group, number | undefined>,
): Group | undefined {
  const p = procs.get(pid);
  if (!p) return undefined;
  for (const group of GROUPS) {
    const root = roots[group];
    if (root === undefined) continue;
    if (group === 'chromium' && p.pgrp === root) return group;
    if (isUnder(procs, pid, root)) return group;
  }
  return undefined;
}

/** CPU seconds per group between two samples; a process born in between counts from zero. */
function cpuDelta(
  before: Map<number, ProcStat>,
  after: Map<number, ProcStat>,
  roots: Record<Group, number | undefined>,
): Record<Group, number> {
  const out: Record<Group, number> = { chromium: 0, gst: 0, xvfb: 0, pulse: 0 };
  for (const [pid, p] of after) {
    const group = groupOf(after, pid, roots);
    if (!group) continue;
    out[group] += (p.ticks - (before.get(pid)?.ticks ?? 0)) / CLK_TCK;
  }
  return out;
}

async function frameRate(path: string): Promise<{ frames: number; durationSec: number }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_packets',
    '-show_entries',
    'stream=nb_read_packets:format=duration',
    '-of',
    'json',
    path,
  ]);
  const data = JSON.parse(stdout) as {
    streams?: Array<{ nb_read_packets?: string }>;
    format?: { duration?: string };
  };
  return {
    frames: Number(data.streams?.[0]?.nb_read_packets ?? 0),
    durationSec: Number(data.format?.duration ?? 0),
  };
}

/** Frames per second that differ from the one before (ffmpeg mpdecimate): what Chromium really drew. */
async function uniqueFrameRate(path: string, durationSec: number): Promise<number> {
  const { stderr } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-i',
      path,
      '-an',
      '-vf',
      'mpdecimate',
      '-fps_mode',
      'passthrough',
      '-f',
      'null',
      '-',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const counts = [...stderr.matchAll(/frame=\s*(\d+)/g)];
  const frames = Number(counts.at(-1)?.[1] ?? 0);
  return durationSec > 0 ? frames / durationSec : 0;
}

interface Row {
  config: Config;
  preset: string;
  cpu: Record<Group, number>;
  fps: number;
  uniqueFps: number;
  toPlayingSec: number;
  toFirstDataSec: number;
  toStartSignalSec: number;
}

async function measure(config: Config, baseUrl: string, dir: string, pulsePid: number | undefined) {
  const path = join(dir, `${config.name.replace(/\s+/g, '-')}.mp4`);
  const t0 = performance.now();
  const source = await startWebSource({
    egressId: `EG_bench_${randomUUID().slice(0, 8)}`,
    url: `${baseUrl}/page`,
    width: config.width,
    height: config.height,
    awaitStartSignal: true,
    startSignalTimeoutMs: 20_000,
    logger,
  });
  let startSignalAt = Number.NaN;
  void source.started.then(() => {
    startSignalAt = performance.now();
  });
  let gst: GstProcess | undefined;
  try {
    const plan = planCompositePipeline({
      outputs: {
        encoding: {
          ...DEFAULT_ENCODING,
          width: config.width,
          height: config.height,
          framerate: 30,
          videoBitrateKbps: config.videoBitrateKbps,
        },
        file: { fileType: 'mp4', localPath: path },
      },
      sources: {
        video: { kind: 'x11', display: source.display, width: config.width, height: config.height },
        audio: { kind: 'pulse', device: source.pulseDevice },
      },
      ...(config.speedPreset ? { speedPreset: config.speedPreset } : {}),
    });
    gst = GstProcess.start({ args: plan.args, logger });
    await gst.whenPlaying();
    const playingAt = performance.now();
    // first data: the first MP4 fragment (ftyp + moov + moof/mdat) reaches the file
    let firstDataAt = Number.NaN;
    for (const deadline = playingAt + 10_000; performance.now() < deadline; ) {
      const size = await stat(path)
        .then((s) => s.size)
        .catch(() => 0);
      if (size > 0) {
        firstDataAt = performance.now();
        break;
      }
      await sleep(20);
    }
    await source.started;
    await sleep(WARMUP_SEC * 1000);
    const roots: Record<Group, number | undefined> = {
      chromium: source.processIds.chromium,
      gst: gst.pid,
      xvfb: source.processIds.xvfb,
      pulse: pulsePid,
    };
    const before = await readProcs();
    const windowStart = performance.now();
    await sleep(WINDOW_SEC * 1000);
    const after = await readProcs();
    const windowSec = (performance.now() - windowStart) / 1000;
    const delta = cpuDelta(before, after, roots);
    const cpu = Object.fromEntries(GROUPS.map((g) => [g, delta[g] / windowSec])) as Record<
      Group,
      number
    >;
    const exit = await gst.stop();
    if (!exit.isCleanEos) throw GstProcess.failure(exit, `${config.name}: no clean EOS`);
    const { frames, durationSec } = await frameRate(path);
    return {
      config,
      preset: plan.video?.speedPreset ?? '-',
      cpu,
      fps: durationSec > 0 ? frames / durationSec : 0,
      uniqueFps: await uniqueFrameRate(path, durationSec),
      toPlayingSec: (playingAt - t0) / 1000,
      toFirstDataSec: (firstDataAt - t0) / 1000,
      toStartSignalSec: (startSignalAt - t0) / 1000,
    } satisfies Row;
  } finally {
    if (gst) await gst.stop();
    await source.close();
  }
}

function printTable(rows: Row[]): void {
  const header = [
    'configuration',
    'x264 preset',
    'chromium',
    'gst',
    'xvfb',
    'pulse',
    'total core/s',
    'fps',
    'unique fps',
    '→ PLAYING s',
    '→ first data s',
    '→ START_RECORDING s',
  ];
  const lines = rows.map((r) => {
    const total = GROUPS.reduce((sum, g) => sum + r.cpu[g], 0);
    return [
      r.config.name,
      r.preset,
      ...GROUPS.map((g) => r.cpu[g].toFixed(2)),
      total.toFixed(2),
      r.fps.toFixed(1),
      r.uniqueFps.toFixed(1),
      r.toPlayingSec.toFixed(2),
      r.toFirstDataSec.toFixed(2),
      r.toStartSignalSec.toFixed(2),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(fmt(header));
  console.log(
    `|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const l of lines) console.log(fmt(l));
  console.log(
    `CPU in core-seconds per media-second over ${WINDOW_SEC} s after a ${WARMUP_SEC} s warm-up; ` +
      'fps = ffprobe frames / duration of the MP4; unique fps = frames that differ from the one ' +
      'before (mpdecimate: what Chromium drew). Latencies from the startWebSource call to PLAYING ' +
      '(every live source delivers), to the first MP4 fragment on disk, and to START_RECORDING.',
  );
  console.log(
    'Targets: <= 1.0 core per 720p30 egress (total core/s); start latency <= 2 s on a warm worker.',
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function printStartTable(rows: StartLatencyRow[]): void {
  const sec = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));
  const header = [
    'worker',
    'runs',
    'warm starts',
    '→ ACTIVE p50 s',
    '→ ACTIVE min–max s',
    '→ PLAYING p50 s',
    'load avg',
  ];
  const lines = (['cold', 'warm'] as const).map((mode) => {
    const of = rows.filter((r) => r.mode === mode);
    const active = of.map((r) => r.toActiveMs);
    const playing = of.flatMap((r) => (r.toPlayingMs === undefined ? [] : [r.toPlayingMs]));
    const load = of.reduce((sum, r) => sum + r.loadAverage, 0) / Math.max(1, of.length);
    return [
      mode === 'cold' ? 'cold (warm_pool_size 0)' : 'warm (warm_pool_size 1)',
      String(of.length),
      String(of.filter((r) => r.isWarm).length),
      sec(median(active)),
      `${sec(Math.min(...active))}–${sec(Math.max(...active))}`,
      playing.length > 0 ? sec(median(playing)) : '-',
      load.toFixed(1),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(fmt(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const l of lines) console.log(fmt(l));
  console.log(
    '720p30 web egress to MP4 through a composite worker process (compiled JS, BullMQ on Redis): ' +
      'request = enqueue, ACTIVE = the job progress event, PLAYING = the pipeline, from the ' +
      "worker's log. Warm: each egress takes a process whose Xvfb, sink and Chromium already run; " +
      'the next waits until the pool refilled. load avg = 1-min load when each egress was requested.',
  );
  console.log('Target: start latency <= 2 s on a warm worker.');
}

async function cpuPart(baseUrl: string, dir: string, pulsePid: number | undefined): Promise<void> {
  const rows: Row[] = [];
  for (const config of CONFIGS) {
    rows.push(await measure(config, baseUrl, dir, pulsePid));
    console.error(`done: ${config.name}`);
  }
  printTable(rows);
}

async function startPart(baseUrl: string): Promise<void> {
  const ambient = ENV.EGRESS_TEST_REDIS_URL;
  const redis = await startTestRedis(ambient ? { url: ambient } : {});
  try {
    const rows = await runStartLatencyBench({
      redisUrl: redis.url,
      pageUrl: `${baseUrl}/page`,
      runs: START_RUNS,
    });
    printStartTable(rows);
  } finally {
    await redis.close();
  }
}

async function main(): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'bench-composite-'));
  const pulse = await ensurePulse();
  try {
    if (PART === 'cpu' || PART === 'all') await cpuPart(baseUrl, dir, pulse.pid);
    if (PART === 'start' || PART === 'all') await startPart(baseUrl);
  } finally {
    await pulse.stop();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
