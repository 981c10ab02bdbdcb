import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Config,
  type ControlMessage,
  decodeJobInfo,
  EgressError,
  egressCapacityKey,
  egressControlChannel,
  encodeWorkerStatus,
  type JobPayload,
  type Logger,
  parseControlMessageOn,
  parseJobPayload,
  QUEUE_NAMES,
  type WorkerStatusMessage,
} from '@egress/protocol';
import {
  CpuAdmission,
  createWorkerRedis,
  JobGate,
  ProcessUsage,
  poolWorkerOptions,
  startCapacityPublisher,
} from '@egress/service-runtime';
import type { EgressInfo } from '@livekit/protocol';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
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
 * Starts the track worker: a BullMQ Worker on `egress-track` speaking the bridge's contract
 * (apps/bridge/src/testing/test-worker.ts): `maxStalledCount: 0`, a job whose earlier worker
 * died is FAILED and one past its start deadline ABORTED, every status change is job progress
 * (`encodeWorkerStatus`) and the final one the job's result, and stop arrives on the egress's
 * control channel and is answered on its reply channel.
 */
export async function startTrackWorker(options: TrackWorkerOptions): Promise<TrackWorker> {
  const { config } = options;
  if (!config.redis) throw EgressError.invalidArgument('redis.address: required');
  const log = options.logger.child({ component: 'track-worker' });
  const tmpRoot = options.tmpRoot ?? join(tmpdir(), 'egress-track');
  const {
    connection,
    subscriber,
    commands: publisher,
  } = await createWorkerRedis(config.redis, log);

  const cells = new CellPool({
    config,
    logger: options.logger,
    ...(options.egressesPerCell ? { egressesPerCell: options.egressesPerCell } : {}),
    ...(options.cellIdleMs ? { idleMs: options.cellIdleMs } : {}),
    ...(options.trackWaitMs ? { trackWaitMs: options.trackWaitMs } : {}),
  });
  const handlers = new Map<string, (message: ControlMessage) => Promise<void>>();
  const workerId =
    options.workerId ??
    `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const capacityKey = egressCapacityKey('track', workerId);
  // Go's monitor (egress-go-behavior.md §1): a new egress counts its cost for 15 s, then what
  // it measurably uses; an egress's share is its cell's process tree (the cell and its encoder
  // children) split evenly over the cell's egresses.
  const admission = new CpuAdmission({
    cpuTotal: options.cpuTotal ?? availableParallelism(),
    maxCpuUtilization: config.cpuCost.maxCpuUtilization,
    ...(options.cpuPendingMs ? { pendingMs: options.cpuPendingMs } : {}),
  });
  const usage = new ProcessUsage({ select: 'tree' });
  const worker = new Worker<JobPayload, WorkerStatusMessage>(
    QUEUE_NAMES.track,
    (job, token) => processJob(job, token),
    poolWorkerOptions({
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 100,
    }),
  );
  worker.on('error', (err) => log.warn({ err }, 'worker error'));
  const gate = new JobGate({
    admission,
    minCost: Math.min(...TRACK_POOL_COSTS.map((key) => config.cpuCost[key])),
    worker,
    logger: log,
  });

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
      for (const id of egressIds) admission.measure(id, cores / egressIds.length);
    }
    admission.measureIdle(idle);
  }

  const capacity = startCapacityPublisher({
    redis: publisher,
    key: capacityKey,
    report: async () => {
      await measureCells();
      gate.update();
      return gate.capacity({ workerId, pool: 'track' });
    },
    logger: log,
    intervalMs: options.capacityIntervalMs,
    ttlMs: options.capacityTtlMs,
  });
  subscriber.on('message', (channel: string, raw: string) => {
    const message = parseControlMessageOn(channel, raw);
    if (!message) return;
    const handler = handlers.get(message.egressId);
    void handler?.(message).catch((err: unknown) =>
      log.warn({ err, egressId: message.egressId }, 'control message failed'),
    );
  });

  async function processJob(
    job: Job<JobPayload, WorkerStatusMessage>,
    token: string | undefined,
  ): Promise<WorkerStatusMessage> {
    let payload: JobPayload;
    let info: EgressInfo;
    try {
      payload = parseJobPayload(job.data);
      info = decodeJobInfo(payload);
    } catch (err) {
      // The bridge reads an EgressError as JSON from the failed reason (egress-state.ts).
      throw new UnrecoverableError(JSON.stringify(EgressError.from(err).toJSON()));
    }
    const verdict = await gate.admit(job, token, payload, info);
    if (verdict.action === 'answer') return verdict.result;
    if (verdict.action === 'wait') throw new WaitingError();
    try {
      return await runJob(job, payload);
    } finally {
      gate.release(payload.egressId);
    }
  }

  async function runJob(
    job: Job<JobPayload, WorkerStatusMessage>,
    payload: JobPayload,
  ): Promise<WorkerStatusMessage> {
    const egressId = payload.egressId;
    const channel = egressControlChannel(egressId);
    const tmpDir = join(tmpRoot, `${egressId}-${randomUUID().slice(0, 8)}`);
    await mkdir(tmpDir, { recursive: true });
    const replies = new Map<string, string>();
    const hosted = cells.run({
      payload,
      tmpDir,
      onInfo: async (next) => {
        await job.updateProgress(encodeWorkerStatus(next));
      },
    });
    handlers.set(egressId, async (message) => {
      // A retried request (same requestId) gets the same answer, not a second stop.
      let reply = replies.get(message.requestId);
      if (!reply) {
        reply = await hosted.control(message);
        replies.set(message.requestId, reply);
      }
      await publisher.publish(message.replyTo, reply);
    });
    await subscriber.subscribe(channel);
    try {
      return encodeWorkerStatus(await hosted.done);
    } finally {
      handlers.delete(egressId);
      await subscriber.unsubscribe(channel).catch(() => undefined);
    }
  }

  await worker.waitUntilReady();
  void worker.run().catch((err: unknown) => log.error({ err }, 'track worker stopped'));
  log.info({ queue: QUEUE_NAMES.track }, 'track worker started');

  let closing: Promise<void> | undefined;
  return {
    workerId,
    activeEgressIds: () => [...handlers.keys()],
    pidOf: (egressId) => cells.pidOf(egressId),
    close() {
      closing ??= (async () => {
        gate.drain();
        await capacity.publish().catch(() => undefined);
        try {
          // Not forced: running egresses finish (a stop still reaches them meanwhile).
          await worker.close();
        } catch (err) {
          log.warn({ err }, 'worker close failed');
        }
        await cells.close();
        await capacity.close();
        await Promise.allSettled([subscriber.quit(), publisher.quit(), connection.quit()]);
      })();
      return closing;
    },
  };
}
