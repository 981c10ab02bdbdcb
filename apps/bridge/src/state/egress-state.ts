import { EventEmitter } from 'node:events';
import {
  EgressError,
  type Logger,
  markAborted,
  markFailed,
  POOLS,
  parseJobPayload,
  parseWorkerStatus,
  QUEUE_NAMES,
  type QueueName,
  STALL_CHECK_INTERVAL_MS,
} from '@egress/protocol';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';
import { QueueEvents, Worker } from 'bullmq';
import { type EgressJob, type EgressQueues, poolOfInfo } from '../intake/egress-queues.js';
import type { EgressStore, RedisClient, UpdateResult } from './egress-store.js';
import { mergeWorkerInfo } from './merge-worker-info.js';

/** Called with the stored info after every change (IOInfo, webhooks, metrics subscribe). */
export type InfoListener = (info: EgressInfo) => void;

/** Options of {@link EgressState}. */
export interface EgressStateOptions {
  store: EgressStore;
  queues: EgressQueues;
  /**
   * Makes a dedicated connection for a blocking BullMQ client (QueueEvents, the stall watchdog);
   * it must use `maxRetriesPerRequest: null` (a `worker` role connection). The state closes
   * what it made.
   */
  connect: () => RedisClient;
  logger: Logger;
  /**
   * How often every running egress is checked against its job (missed events, deadlines,
   * lost jobs, a bridge restart), milliseconds. @defaultValue 5000
   */
  sweepIntervalMs?: number;
  /**
   * How often the stall watchdog looks for jobs whose lock expired, milliseconds.
   * @defaultValue STALL_CHECK_INTERVAL_MS (5000)
   */
  stalledIntervalMs?: number;
  /** How long a STARTING egress may have no job before it counts as lost, milliseconds. @defaultValue 10000 */
  lostJobGraceMs?: number;
}

/** The message an egress gets when its worker died (BullMQ stalled job). */
export const STALLED_MESSAGE =
  'the worker running this egress stopped responding (its job stalled); the egress was ended';
/** The message an egress gets when its worker failed the job without a final status. */
export const WORKER_FAILED_MESSAGE =
  'the worker failed the egress without reporting a final status';
/** The message an egress gets when its job finished without a final status. */
export const NO_FINAL_STATUS_MESSAGE = 'the worker finished the egress without a final status';
/** The message an egress gets when its job is gone from the queue. */
export const LOST_JOB_MESSAGE = 'the egress job is gone from the queue';

// BullMQ's own text for a job that stalled more times than allowed.
const BULLMQ_STALLED_REASON = 'job stalled more than allowable limit';

/**
 * "no worker started the egress within 30 s: no capacity in the composite pool".
 */
export function deadlineMessage(deadlineMs: number, pool: string): string {
  const seconds = Math.round(deadlineMs / 100) / 10;
  return `no worker started the egress within ${seconds} s: no capacity in the ${pool} pool`;
}

function nsToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

function isRunning(info: EgressInfo): boolean {
  return (
    info.status === EgressStatus.EGRESS_STARTING ||
    info.status === EgressStatus.EGRESS_ACTIVE ||
    info.status === EgressStatus.EGRESS_ENDING
  );
}

// A worker may fail a job with an EgressError as JSON (`UnrecoverableError(JSON.stringify(err))`);
// anything else is treated as a foreign text that may hold secrets, and not shown.
function errorFromFailedReason(reason: string): EgressError | undefined {
  if (!reason.startsWith('{')) return undefined;
  try {
    const error = EgressError.fromJSON(JSON.parse(reason));
    return error.message === 'malformed error payload' ? undefined : error;
  } catch {
    // Not JSON: a plain message, handled by the caller's generic text.
    return undefined;
  }
}

/**
 * Keeps the stored EgressInfo in step with the workers: reads BullMQ events (progress = a worker
 * status message, completed = the final status as job result, failed, stalled), aborts jobs no
 * worker started before their deadline, ends egresses whose worker died, and tells subscribers
 * about every change. A periodic sweep checks every running egress against its job, so missed
 * events (a bridge restart) and lost jobs still end in a final status: nothing stays
 * STARTING or ACTIVE after its worker is gone.
 */
export class EgressState {
  readonly #store: EgressStore;
  readonly #queues: EgressQueues;
  readonly #connect: () => RedisClient;
  readonly #log: Logger;
  readonly #sweepIntervalMs: number;
  readonly #stalledIntervalMs: number;
  readonly #lostJobGraceMs: number;
  readonly #events = new EventEmitter();
  readonly #deadlineTimers = new Map<string, NodeJS.Timeout>();
  readonly #connections: RedisClient[] = [];
  readonly #queueEvents: QueueEvents[] = [];
  readonly #watchdogs: Worker[] = [];
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #isClosed = false;

  constructor(options: EgressStateOptions) {
    this.#store = options.store;
    this.#queues = options.queues;
    this.#connect = options.connect;
    this.#log = options.logger.child({ component: 'egress-state' });
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 5000;
    this.#stalledIntervalMs = options.stalledIntervalMs ?? STALL_CHECK_INTERVAL_MS;
    this.#lostJobGraceMs = options.lostJobGraceMs ?? 10_000;
    for (const [name, value] of [
      ['sweepIntervalMs', this.#sweepIntervalMs],
      ['stalledIntervalMs', this.#stalledIntervalMs],
      ['lostJobGraceMs', this.#lostJobGraceMs],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new TypeError(`EgressState: ${name} must be a positive number`);
      }
    }
    // A throwing listener must not break the state machine; each is called in its own try.
    this.#events.setMaxListeners(0);
  }

  /** Starts listening to the queues and the periodic sweep. */
  async start(): Promise<void> {
    for (const pool of POOLS) {
      const name = QUEUE_NAMES[pool];
      const connection = this.#connect();
      this.#connections.push(connection);
      const events = new QueueEvents(name, {
        connection,
        prefix: this.#queues.prefix,
        autorun: false,
      });
      this.#listen(name, events);
      this.#queueEvents.push(events);

      // The bridge checks for stalled jobs itself, so an egress whose every worker died still
      // ends. maxStalledCount 0: a job whose worker died is never handed to another worker.
      const watchdogConnection = this.#connect();
      this.#connections.push(watchdogConnection);
      const watchdog = new Worker(name, null, {
        connection: watchdogConnection,
        prefix: this.#queues.prefix,
        autorun: false,
        maxStalledCount: 0,
        stalledInterval: this.#stalledIntervalMs,
      });
      watchdog.on('error', (err) => this.#log.warn({ err, queue: name }, 'stall watchdog error'));
      this.#watchdogs.push(watchdog);
    }
    await Promise.all(this.#queueEvents.map((events) => events.waitUntilReady()));
    for (const events of this.#queueEvents) {
      // run() resolves only when the QueueEvents closes; errors are emitted as 'error'.
      events.run().catch((err: unknown) => this.#log.warn({ err }, 'queue events stopped'));
    }
    await Promise.all(this.#watchdogs.map((watchdog) => watchdog.waitUntilReady()));
    for (const watchdog of this.#watchdogs) {
      watchdog
        .startStalledCheckTimer()
        .catch((err: unknown) => this.#log.warn({ err }, 'stall watchdog stopped'));
    }
    this.#sweepTimer = setInterval(() => {
      void this.sweep().catch((err: unknown) => this.#log.warn({ err }, 'state sweep failed'));
    }, this.#sweepIntervalMs);
    this.#sweepTimer.unref();
  }

  /** Subscribes to info changes; returns the unsubscribe function. */
  onInfoChanged(listener: InfoListener): () => void {
    const wrapped = (info: EgressInfo) => {
      try {
        listener(info);
      } catch (err) {
        // A subscriber's bug must not stop the others or the state machine; it is logged.
        this.#log.error({ err, egressId: info.egressId }, 'info listener threw');
      }
    };
    this.#events.on('info', wrapped);
    return () => this.#events.off('info', wrapped);
  }

  /** Announces a new egress and arms its start deadline (called by the intake). */
  created(info: EgressInfo, startDeadlineMs: number): void {
    this.#emit(info);
    this.#armDeadline(info.egressId, startDeadlineMs);
  }

  /**
   * Changes a stored info (see {@link EgressStore.update}) and announces the change.
   * @throws not_found when the egress is not stored.
   */
  async update(
    egressId: string,
    change: (current: EgressInfo) => EgressInfo | undefined,
  ): Promise<UpdateResult> {
    const result = await this.#store.update(egressId, change);
    if (result.isChanged) this.#emit(result.info);
    return result;
  }

  /** Applies an info a worker reported (progress, job result, control reply). */
  async applyWorkerInfo(info: EgressInfo): Promise<UpdateResult> {
    return this.update(info.egressId, (current) => mergeWorkerInfo(current, info));
  }

  /**
   * Checks every running egress against its job once: applies missed reports, aborts jobs past
   * their start deadline, fails egresses whose job finished without a final status or is gone.
   * Runs every `sweepIntervalMs`; exposed for tests.
   */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweepOnce().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Stops listening; running egresses are left to the workers and the next bridge. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    for (const timer of this.#deadlineTimers.values()) clearTimeout(timer);
    this.#deadlineTimers.clear();
    await this.#sweeping?.catch(() => undefined);
    await Promise.allSettled([
      ...this.#queueEvents.map((events) => events.close()),
      ...this.#watchdogs.map((watchdog) => watchdog.close(true)),
    ]);
    await Promise.allSettled(this.#connections.map((connection) => connection.quit()));
    this.#events.removeAllListeners();
  }

  #emit(info: EgressInfo): void {
    this.#log.info(
      { egressId: info.egressId, status: EgressStatus[info.status] },
      'egress status changed',
    );
    this.#events.emit('info', info);
  }

  #listen(queue: QueueName, events: QueueEvents): void {
    const run = (what: string, jobId: string, task: () => Promise<unknown>) => {
      if (this.#isClosed) return;
      task().catch((err: unknown) =>
        this.#log.warn({ err, jobId, queue }, `could not apply a ${what} event`),
      );
    };
    events.on('error', (err) => this.#log.warn({ err, queue }, 'queue events error'));
    events.on('progress', ({ jobId, data }) => {
      run('progress', jobId, () => this.#onProgress(jobId, data));
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      run('completed', jobId, () => this.#onCompleted(jobId, returnvalue));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      run('failed', jobId, () => this.#onFailed(jobId, failedReason));
    });
    events.on('stalled', ({ jobId }) => {
      run('stalled', jobId, () => this.#onStalled(jobId));
    });
  }

  async #onProgress(jobId: string, data: unknown): Promise<void> {
    let info: EgressInfo;
    try {
      info = parseWorkerStatus(data);
    } catch (err) {
      // Progress that is not a status message (a foreign producer, a newer version) is logged
      // and skipped; the final status or the sweep still ends the egress.
      this.#log.warn({ err, jobId }, 'ignored job progress that is not a worker status');
      return;
    }
    if (info.egressId !== jobId) {
      this.#log.warn({ jobId }, 'ignored a worker status for another egress');
      return;
    }
    await this.applyWorkerInfo(info);
  }

  async #onCompleted(jobId: string, returnValue: unknown): Promise<void> {
    let info: EgressInfo | undefined;
    try {
      info = parseWorkerStatus(returnValue);
    } catch (err) {
      this.#log.warn({ err, jobId }, 'job result is not a worker status');
    }
    if (info && info.egressId === jobId) await this.applyWorkerInfo(info);
    await this.#failIfRunning(jobId, EgressError.internal(NO_FINAL_STATUS_MESSAGE));
  }

  async #onFailed(jobId: string, failedReason: string): Promise<void> {
    if (failedReason === BULLMQ_STALLED_REASON) {
      await this.#failIfRunning(jobId, EgressError.internal(STALLED_MESSAGE));
      return;
    }
    const error = errorFromFailedReason(failedReason);
    if (!error) {
      // The reason is the worker's raw error text; it goes to the log only, never to the info.
      this.#log.warn(
        { egressId: jobId, failedReason: failedReason.slice(0, 500) },
        'egress job failed',
      );
    }
    await this.#failIfRunning(jobId, error ?? EgressError.internal(WORKER_FAILED_MESSAGE));
  }

  async #onStalled(jobId: string): Promise<void> {
    const info = await this.#store.get(jobId);
    if (!info) return;
    // BullMQ put the job back to wait; take it out so no worker records the egress again.
    await this.#queues.removeIfQueued(info);
    await this.#failIfRunning(jobId, EgressError.internal(STALLED_MESSAGE));
  }

  async #failIfRunning(egressId: string, error: EgressError): Promise<void> {
    const info = await this.#store.get(egressId);
    if (!info || !isRunning(info)) return;
    this.#clearDeadline(egressId);
    const result = await this.update(egressId, (current) =>
      isRunning(current) ? markFailed(current, error) : undefined,
    );
    if (result.isChanged) this.#log.warn({ egressId, err: error }, 'egress ended by the bridge');
  }

  #armDeadline(egressId: string, startDeadlineMs: number): void {
    this.#clearDeadline(egressId);
    if (this.#isClosed) return;
    // A little after the deadline, so a worker that took the job just in time has locked it.
    const delayMs = Math.max(0, startDeadlineMs - Date.now()) + 100;
    const timer = setTimeout(() => {
      this.#deadlineTimers.delete(egressId);
      void this.#checkDeadline(egressId).catch((err: unknown) =>
        this.#log.warn({ err, egressId }, 'start deadline check failed'),
      );
    }, delayMs);
    timer.unref();
    this.#deadlineTimers.set(egressId, timer);
  }

  #clearDeadline(egressId: string): void {
    const timer = this.#deadlineTimers.get(egressId);
    if (timer) clearTimeout(timer);
    this.#deadlineTimers.delete(egressId);
  }

  async #checkDeadline(egressId: string): Promise<void> {
    const info = await this.#store.get(egressId);
    if (!info || info.status !== EgressStatus.EGRESS_STARTING) return;
    const job = await this.#queues.job(info);
    if (!job) return;
    await this.#abortIfLate(info, job);
  }

  // Aborts a STARTING egress whose job is still queued after its start deadline.
  async #abortIfLate(info: EgressInfo, job: EgressJob): Promise<void> {
    let payload: ReturnType<typeof parseJobPayload>;
    try {
      payload = parseJobPayload(job.data);
    } catch (err) {
      this.#log.warn({ err, egressId: info.egressId }, 'job data is not a valid job payload');
      return;
    }
    if (Date.now() < payload.startDeadlineMs) {
      this.#armDeadline(info.egressId, payload.startDeadlineMs);
      return;
    }
    if ((await this.#queues.removeIfQueued(info)) !== 'removed') return;
    const message = deadlineMessage(
      payload.startDeadlineMs - payload.enqueuedAtMs,
      poolOfInfo(info),
    );
    const result = await this.update(info.egressId, (current) =>
      current.status === EgressStatus.EGRESS_STARTING ? markAborted(current, message) : undefined,
    );
    if (result.isChanged) this.#log.warn({ egressId: info.egressId }, message);
  }

  async #sweepOnce(): Promise<void> {
    const ids = await this.#store.activeIds();
    for (const egressId of ids) {
      if (this.#isClosed) return;
      try {
        await this.#sweepOne(egressId);
      } catch (err) {
        // One egress's trouble (a bad stored info, a Redis hiccup) must not stop the others.
        this.#log.warn({ err, egressId }, 'could not check egress against its job');
      }
    }
  }

  async #sweepOne(egressId: string): Promise<void> {
    const info = await this.#store.get(egressId);
    if (!info || !isRunning(info)) {
      await this.#store.forgetActive(egressId);
      return;
    }
    await this.#store.keepIndexed(info);
    const job = await this.#queues.job(info);
    if (!job) {
      if (Date.now() - nsToMs(info.updatedAt) > this.#lostJobGraceMs) {
        await this.#failIfRunning(egressId, EgressError.internal(LOST_JOB_MESSAGE));
      }
      return;
    }
    const state = await job.getState();
    switch (state) {
      case 'completed':
        await this.#onCompleted(egressId, job.returnvalue);
        return;
      case 'failed':
        await this.#onFailed(egressId, job.failedReason ?? '');
        return;
      case 'active':
        if (job.progress !== undefined && typeof job.progress === 'object') {
          await this.#onProgress(egressId, job.progress);
        }
        return;
      default:
        if (job.stalledCounter > 0) {
          await this.#onStalled(egressId);
        } else if (info.status === EgressStatus.EGRESS_STARTING) {
          await this.#abortIfLate(info, job);
        }
    }
  }
}
