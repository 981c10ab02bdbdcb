import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { enqueue, sendStop, waitForResult } from '@egress/composite-worker/testing';
import { type EgressRequest, parseWorkerStatus, QUEUE_NAMES } from '@egress/protocol';
import {
  AudioCodec,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  WebEgressRequest,
} from '@livekit/protocol';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';

/** Options of {@link runStartLatencyBench}. */
export interface StartLatencyBenchOptions {
  /**
   * Redis the worker and the queue use. The worker is the service itself, on BullMQ's default
   * prefix: give it a Redis (or `db`) where no other worker takes composite jobs.
   */
  redisUrl: string;
  /** The page to record; it should log START_RECORDING at once. */
  pageUrl: string;
  /** Egresses per mode. */
  runs: number;
  /** How long each egress records before it is stopped. @defaultValue 2000 */
  recordMs?: number;
  /** Pause between egresses so the machine settles. @defaultValue 3000 */
  settleMs?: number;
}

/** One egress's start. */
export interface StartLatencyRow {
  mode: 'cold' | 'warm';
  /** Whether the worker ran it in a warm process. */
  isWarm: boolean;
  /** Enqueue → ACTIVE seen as job progress. */
  toActiveMs: number;
  /** Enqueue → the pipeline's PLAYING (its bus message, logged by the egress process). */
  toPlayingMs: number | undefined;
  /** 1-minute load average when the egress was requested. */
  loadAverage: number;
}

/** A log line of the worker or an egress process (pino JSON). */
interface LogLine {
  msg?: string;
  /** Epoch ms. */
  time?: number;
  egressId?: string;
  isWarm?: boolean;
  line?: string;
}

/** gst-launch's bus message for the top-level pipeline's PLAYING (as GstProcess matches it). */
const PIPELINE_PLAYING =
  /^Got message #\d+ from element "pipeline\d+" \(state-changed\):.*new-state=\(GstState\)playing/;

const WAIT_MS = 120_000;

/** 720p30 web egress to an MP4 file: what the start latency target is about. */
function request(pageUrl: string): EgressRequest {
  return {
    case: 'web',
    value: new WebEgressRequest({
      url: pageUrl,
      awaitStartSignal: true,
      options: {
        case: 'advanced',
        value: new EncodingOptions({
          width: 1280,
          height: 720,
          framerate: 30,
          videoBitrate: 3000,
          audioCodec: AudioCodec.AAC,
          audioBitrate: 128,
          audioFrequency: 48000,
        }),
      },
      fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'bench/' })],
    }),
  };
}

async function loadAverage(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

/**
 * The built service, as the image runs it (`node dist/main.js`): services run compiled JS, and
 * tsx would add its own start time to every egress process (CONVENTIONS §6), which is part of
 * what is measured.
 */
function workerEntry(): string {
  const path = fileURLToPath(new URL('../../apps/composite-worker/dist/main.js', import.meta.url));
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: pnpm turbo run build --filter @egress/composite-worker...`,
    );
  }
  return path;
}

/**
 * Request → ACTIVE (and → PLAYING) of 720p30 web egresses on a composite worker process, first
 * with `warm_pool_size: 0` (every egress starts its Xvfb, sink and Chromium), then with 1 (each
 * takes a warm process; the next one waits until the pool is ready again).
 */
export async function runStartLatencyBench(
  options: StartLatencyBenchOptions,
): Promise<StartLatencyRow[]> {
  const rows: StartLatencyRow[] = [];
  for (const mode of ['cold', 'warm'] as const) {
    rows.push(...(await runMode(mode, options)));
  }
  return rows;
}

async function runMode(
  mode: 'cold' | 'warm',
  options: StartLatencyBenchOptions,
): Promise<StartLatencyRow[]> {
  const dir = await mkdtemp(join(tmpdir(), `bench-start-${mode}-`));
  const url = new URL(options.redisUrl);
  const yaml = [
    'redis:',
    `  address: ${url.hostname}:${url.port || '6379'}`,
    ...(url.pathname.length > 1 ? [`  db: ${Number(url.pathname.slice(1))}`] : []),
    `local_output_dir: ${join(dir, 'out')}`,
    // trace: the egress processes' gst bus messages carry PLAYING
    'log_level: trace',
    `warm_pool_size: ${mode === 'warm' ? 1 : 0}`,
    // the default costs (4 cores a web egress) admit nothing on a 2-core machine
    'cpu_cost:',
    '  web_cpu_cost: 0.5',
    '  max_cpu_utilization: 1',
  ].join('\n');
  const worker: ChildProcess = spawn(process.execPath, [workerEntry()], {
    env: { ...process.env, EGRESS_CONFIG_BODY: yaml },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let isReady = false;
  let warmReady = 0;
  const started = new Map<string, LogLine>();
  const playingAt = new Map<string, number>();
  if (worker.stdout) {
    // egress processes inherit the worker's stdout: their log lines come here too
    createInterface({ input: worker.stdout }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      const entry = JSON.parse(text) as LogLine;
      if (entry.msg === 'service started') isReady = true;
      if (entry.msg === 'warm egress process ready') warmReady += 1;
      if (!entry.egressId) return;
      if (entry.msg === 'egress started') started.set(entry.egressId, entry);
      const isPlaying =
        entry.msg === 'gst-launch message' && PIPELINE_PLAYING.test(entry.line ?? '');
      if (isPlaying && !playingAt.has(entry.egressId))
        playingAt.set(entry.egressId, entry.time ?? 0);
    });
  }
  const client = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAMES.composite, { connection: client });
  const eventsConnection = client.duplicate();
  const events = new QueueEvents(QUEUE_NAMES.composite, { connection: eventsConnection });
  const activeAt = new Map<string, number>();
  events.on('progress', ({ jobId, data }) => {
    if (activeAt.has(jobId)) return;
    const info = parseWorkerStatus(data);
    if (info.status === EgressStatus.EGRESS_ACTIVE) activeAt.set(jobId, Date.now());
  });
  const rows: StartLatencyRow[] = [];
  try {
    await events.waitUntilReady();
    await until('the worker is ready', () => {
      // a service that cannot start (bad config, stale build) exits: say so now, not at WAIT_MS
      if (worker.exitCode !== null) throw new Error(`the worker exited ${worker.exitCode} first`);
      return isReady;
    });
    for (let i = 0; i < options.runs; i++) {
      if (mode === 'warm') await until('a warm process is ready', () => warmReady > i);
      await sleep(options.settleMs ?? 3000);
      const load = await loadAverage();
      const requestedAt = Date.now();
      const egressId = await enqueue(queue, request(options.pageUrl), { cpuCost: 0.5 });
      await until(`${egressId} is ACTIVE`, () => activeAt.has(egressId));
      await until(`${egressId} logs its start`, () => started.has(egressId));
      const playing = playingAt.get(egressId);
      rows.push({
        mode,
        isWarm: started.get(egressId)?.isWarm ?? false,
        toActiveMs: (activeAt.get(egressId) ?? 0) - requestedAt,
        toPlayingMs: playing !== undefined ? playing - requestedAt : undefined,
        loadAverage: load,
      });
      await sleep(options.recordMs ?? 2000);
      await sendStop(client, egressId);
      const done = await waitForResult(queue, egressId);
      if (done.status !== EgressStatus.EGRESS_COMPLETE) {
        throw new Error(
          `${mode} egress ${egressId} ended ${EgressStatus[done.status]}: ${done.error}`,
        );
      }
    }
  } finally {
    if (worker.exitCode === null) worker.kill('SIGTERM');
    await exited;
    await events.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    eventsConnection.disconnect();
    client.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
