import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, type Logger, QUEUE_NAMES } from '@egress/protocol';
import { type AdmittedEgress, ProcessUsage, WorkerShell } from '@egress/service-runtime';
import type { EgressInfo } from '@livekit/protocol';
import { CellPool } from './cell-pool.js';

/** Options of {@link startTrackWorker}. */
export interface TrackWorkerOptions {
  config: Config;
  logger: Logger;
  /** BullMQ prefix; the bridge's `queuePrefix`. @defaultValue BullMQ's 'bull' */
  prefix?: string;
  /** Where each egress gets its tmp dir. @defaultValue `<os tmpdir>/egress-track` */
  tmpRoot?: string;
  /**
   * Most egresses run at once; admission by CPU decides below it (README: ~3 % of a core per
   * audio egress, so about 50 fit 2 cores). @defaultValue 100
   */
  concurrency?: number;
  /** How long each egress waits for its track, milliseconds (Go: 30 s). @defaultValue 30000 */
  trackWaitMs?: number;
  /** Egresses per cell process (see {@link CellPool}). @defaultValue 10 */
  egressesPerCell?: number;
  /** How long an empty cell process waits for the next egress, milliseconds. @defaultValue 30000 */
  cellIdleMs?: number;
  /** Unique id of this worker (`[A-Za-z0-9_.-]`). @defaultValue `<hostname>-<pid>-<random>` */
  workerId?: string;
  /** Cores of the machine. @defaultValue os.availableParallelism() */
  cpuTotal?: number;
  /**
   * How long a new egress counts at least its cost before its measured use takes over,
   * milliseconds. @defaultValue 15000 (Go's cpuHoldDuration)
   */
  cpuPendingMs?: number;
  /** How often capacity is published, milliseconds. @defaultValue 1000 */
  capacityIntervalMs?: number;
  /** TTL of the capacity key, milliseconds. @defaultValue 5000 */
  capacityTtlMs?: number;
}

/** A running track worker. */
export interface TrackWorker {
  readonly workerId: string;
  /** Ids of the egresses running here. */
  activeEgressIds(): string[];
  /** The pid of the cell process running an egress. */
  pidOf(egressId: string): number | undefined;
  /** Drains: takes no new job, lets running egresses finish, then disconnects. Idempotent. */
  close(): Promise<void>;
}

/** The shortest window the cells' CPU is measured over, milliseconds. */
const MEASURE_WINDOW_MS = 1000;

/** The `cpu_cost` keys of the request types this pool runs: the smallest gates fetching. */
const TRACK_POOL_COSTS = [
  'trackCpuCost',
  'trackCompositeCpuCost',
  'participantCpuCost',
  'sdkAudioRoomCompositeCpuCost',
] as const;

/**
 * Starts the track worker: a BullMQ Worker on `egress-track` ({@link WorkerShell}) speaking the
 * bridge's contract (apps/bridge/src/testing/test-worker.ts): `maxStalledCount: 0`, a job whose
 * earlier worker died is FAILED and one past its start deadline ABORTED, every status change is
 * job progress (`encodeWorkerStatus`) and the final one the job's result, and stop arrives on the
 * egress's control channel and is answered on its reply channel. Egresses run in cell processes
 * ({@link CellPool}).
 */
export async function startTrackWorker(options: TrackWorkerOptions): Promise<TrackWorker> {
  const { config } = options;
  const log = options.logger.child({ component: 'track-worker' });
  const tmpRoot = options.tmpRoot ?? join(tmpdir(), 'egress-track');
  const cells = new CellPool({
    config,
    logger: options.logger,
    ...(options.egressesPerCell ? { egressesPerCell: options.egressesPerCell } : {}),
    ...(options.cellIdleMs ? { idleMs: options.cellIdleMs } : {}),
    ...(options.trackWaitMs ? { trackWaitMs: options.trackWaitMs } : {}),
  });
  const usage = new ProcessUsage({ select: 'tree' });

  // Go's monitor (egress-go-behavior.md §1): a new egress counts its cost for 15 s, then what
  // it measurably uses; an egress's share is its cell's process tree (the cell and its encoder
  // children) split evenly over the cell's egresses.
  let measuredAtMs = Number.NEGATIVE_INFINITY;
  async function measureCells(): Promise<void> {
    // CPU time comes in 10 ms ticks: an audio egress uses ~0.3 of one per 100 ms, so a window
    // shorter than about a second (the capacity report may tick faster) often reads it as idle.
    if (performance.now() - measuredAtMs < MEASURE_WINDOW_MS) return;
    measuredAtMs = performance.now();
    const cellsNow = cells.egressIdsByCell();
    const { byLeader: trees } = await usage.sample([...cellsNow.keys()]);
    let idle = 0;
    for (const [pid, egressIds] of cellsNow) {
      const cores = trees.get(pid)?.cpu ?? 0;
      if (egressIds.length === 0) idle += cores;
      for (const id of egressIds) shell.admission.measure(id, cores / egressIds.length);
    }
    shell.admission.measureIdle(idle);
  }

  /** Runs one admitted egress in a cell, relaying its status and control messages. */
  async function runEgress(egress: AdmittedEgress): Promise<EgressInfo> {
    const tmpDir = join(tmpRoot, `${egress.payload.egressId}-${randomUUID().slice(0, 8)}`);
    await mkdir(tmpDir, { recursive: true });
    const hosted = cells.run({
      payload: egress.payload,
      tmpDir,
      onInfo: async (next) => egress.reportStatus(next),
    });
    egress.onControl((message) => hosted.control(message));
    return hosted.done;
  }

  const shell = await WorkerShell.open({
    pool: 'track',
    config,
    logger: log,
    prefix: options.prefix,
    workerId: options.workerId,
    cpuTotal: options.cpuTotal,
    cpuPendingMs: options.cpuPendingMs,
    concurrency: options.concurrency ?? 100,
    minCost: Math.min(...TRACK_POOL_COSTS.map((key) => config.cpuCost[key])),
    capacityIntervalMs: options.capacityIntervalMs,
    capacityTtlMs: options.capacityTtlMs,
    measure: measureCells,
    run: runEgress,
  });
  // After the running egresses ended (the shell waits for them first).
  shell.addCloseStep('cells', () => cells.close());
  await shell.start();
  log.info({ queue: QUEUE_NAMES.track, workerId: shell.workerId }, 'track worker started');

  return {
    workerId: shell.workerId,
    activeEgressIds: () => shell.activeEgressIds(),
    pidOf: (egressId) => cells.pidOf(egressId),
    close: () => shell.close(),
  };
}
