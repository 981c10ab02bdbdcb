import {
  EgressError,
  encodeWorkerCapacity,
  encodeWorkerStatus,
  JOB_LOCK_MS,
  type JobPayload,
  type Logger,
  markAborted,
  markFailed,
  type Pool,
  REQUEST_TYPES,
  type RequestType,
  type WorkerStatusMessage,
} from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';
import type { CpuAdmission } from './cpu-admission.js';

/** The error of an egress whose job reached a worker after its start deadline. */
export const JOB_DEADLINE_MESSAGE = 'the start deadline passed before a worker could take the job';
/** The error of an egress whose job's earlier worker died (BullMQ stalled job). */
export const JOB_STALLED_MESSAGE = 'a previous worker of this egress died';

/** The BullMQ `Worker` options of a pool worker (see {@link poolWorkerOptions}). */
export interface PoolWorkerOptions<Connection> {
  connection: Connection;
  prefix?: string;
  concurrency: number;
  maxStalledCount: number;
  lockDuration: number;
  skipStalledCheck: boolean;
  autorun: boolean;
}

/**
 * BullMQ `Worker` options for the bridge's job contract: a stalled job is never retried (the
 * bridge fails its egress, and {@link JobGate} fails one that comes back), the lock is short enough
 * for the bridge to notice a dead worker within 30 s (`JOB_LOCK_MS`), and the worker waits for
 * `run()`. Workers run no stall check: the bridge's watchdog does, every 5 s. BullMQ lets one
 * check run per queue per interval (a queue-wide key held for the checker's own interval), so a
 * worker's check, at BullMQ's default 30 s, kept the bridge's from running for up to 30 s and a
 * dead worker's egress stayed ACTIVE past the 30 s bound.
 */
export function poolWorkerOptions<Connection>(options: {
  connection: Connection;
  /** The bridge's `queuePrefix`. @defaultValue BullMQ's 'bull' */
  prefix?: string | undefined;
  concurrency: number;
}): PoolWorkerOptions<Connection> {
  return {
    connection: options.connection,
    ...(options.prefix ? { prefix: options.prefix } : {}),
    concurrency: options.concurrency,
    maxStalledCount: 0,
    lockDuration: JOB_LOCK_MS,
    skipStalledCheck: true,
    autorun: false,
  };
}

/** What the gate drives of a BullMQ `Worker` (protocol does not depend on bullmq). */
export interface GatedWorker {
  concurrency: number;
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): Promise<void>;
}

/** What the gate reads and does of a fetched BullMQ `Job`. */
export interface GatedJob {
  readonly stalledCounter: number;
  moveToWait(token?: string): Promise<unknown>;
}

/** Options of {@link JobGate}. */
export interface JobGateOptions {
  admission: CpuAdmission;
  /** The cheapest cost of the pool's request types: nothing is fetched while it does not fit. */
  minCost: number;
  worker: GatedWorker;
  logger: Logger;
  /**
   * The worker's concurrency, set at each gate update (composite: running + 1, so that BullMQ
   * fetches one job at a time). @defaultValue the worker's own, unchanged
   */
  concurrency?: () => number;
}

/**
 * What to do with a fetched job: `answer` returns `result` as the job's result at once;
 * `wait` means it went back to the wait list (throw BullMQ's `WaitingError`); `run` means its
 * cost is reserved (run it, then {@link JobGate.release}).
 */
export type JobGateVerdict =
  | { action: 'answer'; result: WorkerStatusMessage }
  | { action: 'wait' }
  | { action: 'run' };

/**
 * The bridge's job contract and CPU admission for one pool worker (both worker apps): a job whose
 * earlier worker died is FAILED, one past its start deadline ABORTED, and one whose cost does
 * not fit goes back to the wait list while fetching pauses until it would fit (BullMQ fetches a
 * job before its cost is known). Draining refuses every request type in the capacity report.
 */
export class JobGate {
  readonly #options: JobGateOptions;
  /** The cost of a job that did not fit: nothing is fetched until it would. */
  #blockedCost: number | undefined;
  #isPaused = false;
  #isDraining = false;

  constructor(options: JobGateOptions) {
    this.#options = options;
  }

  /** Decides a fetched job; reserves its cost when it may run. */
  async admit(
    job: GatedJob,
    token: string | undefined,
    payload: JobPayload,
    info: EgressInfo,
  ): Promise<JobGateVerdict> {
    if (job.stalledCounter > 0) {
      const failed = markFailed(info, EgressError.internal(JOB_STALLED_MESSAGE));
      return { action: 'answer', result: encodeWorkerStatus(failed) };
    }
    if (Date.now() > payload.startDeadlineMs) {
      const aborted = markAborted(info, JOB_DEADLINE_MESSAGE);
      return { action: 'answer', result: encodeWorkerStatus(aborted) };
    }
    const { admission, logger } = this.#options;
    if (!admission.canAdmit(payload.cpuCost)) {
      // Not for this worker now: back to the wait list for another worker (or this one later).
      logger.debug({ egressId: payload.egressId, cost: payload.cpuCost }, 'job does not fit');
      this.#blockedCost = payload.cpuCost;
      this.#updateFetching();
      await job.moveToWait(token);
      return { action: 'wait' };
    }
    admission.reserve(payload.egressId, payload.cpuCost);
    return { action: 'run' };
  }

  /** Ends the reservation of a job that ran, and fetches again if it was blocked. */
  release(egressId: string): void {
    this.#options.admission.release(egressId);
    this.#blockedCost = undefined;
    this.#updateFetching();
  }

  /** Re-decides fetching after new measurements (each capacity tick). */
  update(): void {
    const { admission } = this.#options;
    if (this.#blockedCost !== undefined && admission.canAdmit(this.#blockedCost)) {
      this.#blockedCost = undefined;
    }
    this.#updateFetching();
  }

  /** Whether {@link drain} was called. */
  get isDraining(): boolean {
    return this.#isDraining;
  }

  /** From now on fetching is left alone and the capacity report refuses every request type. */
  drain(): void {
    this.#isDraining = true;
  }

  /** The capacity report to store under the worker's capacity key (JSON). */
  capacity(report: { workerId: string; pool: Pool; activeEgressIds?: string[] }): string {
    const { admission } = this.#options;
    const canAccept: Partial<Record<RequestType, boolean>> = {};
    if (this.#isDraining) for (const type of REQUEST_TYPES) canAccept[type] = false;
    return encodeWorkerCapacity({
      workerId: report.workerId,
      pool: report.pool,
      cpuTotal: admission.cpuTotal,
      cpuAvailable: admission.available(),
      activeEgressIds: report.activeEgressIds ?? admission.activeIds,
      ...(this.#isDraining ? { canAccept } : {}),
      updatedAtMs: Date.now(),
    });
  }

  /** Fetches only while the next job could fit; pauses the worker otherwise. */
  #updateFetching(): void {
    if (this.#isDraining) return;
    const { admission, worker, logger, concurrency, minCost } = this.#options;
    if (concurrency) worker.concurrency = concurrency();
    const shouldRun = admission.canAdmit(this.#blockedCost ?? minCost);
    if (shouldRun && this.#isPaused) {
      this.#isPaused = false;
      void worker.resume().catch((err: unknown) => logger.warn({ err }, 'resume failed'));
    } else if (!shouldRun && !this.#isPaused) {
      this.#isPaused = true;
      void worker.pause(true).catch((err: unknown) => logger.warn({ err }, 'pause failed'));
    }
  }
}
