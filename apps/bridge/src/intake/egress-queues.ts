import {
  decodeJobRequest,
  type EgressRequest,
  type JobPayload,
  POOLS,
  type Pool,
  poolOfRequest,
  QUEUE_NAMES,
  type QueueName,
  queueOf,
} from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';
import { type Job, Queue } from 'bullmq';
import type { RedisClient } from '../state/egress-store.js';

/** Options of {@link EgressQueues}. */
export interface EgressQueuesOptions {
  /** A producer connection; the queues share it and never close it. */
  connection: RedisClient;
  /** BullMQ key prefix (tests use a unique one). @defaultValue 'bull' */
  prefix?: string;
  /**
   * How long finished jobs stay in the queue (Bull Board shows them), milliseconds.
   * @defaultValue 86400000
   */
  keepFinishedMs?: number;
}

/** What {@link EgressQueues.removeIfQueued} found. */
export type RemoveOutcome =
  /** The job was waiting and is now removed: no worker will start it. */
  | 'removed'
  /** A worker holds the job (or took it while we looked). */
  | 'running'
  /** The job has completed or failed. */
  | 'finished'
  /** There is no such job. */
  | 'missing';

/** A job of one of the egress queues. */
export type EgressJob = Job<JobPayload, unknown, string>;

const QUEUED_STATES: ReadonlySet<string> = new Set([
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
]);
const FINISHED_STATES: ReadonlySet<string> = new Set(['completed', 'failed']);

/** The queue an EgressInfo's job is on, from its request (`queueOf`). */
export function queueNameOfInfo(info: EgressInfo): QueueName {
  return queueOf(info.request as EgressRequest);
}

/** The pool an EgressInfo's job runs in, from its request (`poolOfRequest`). */
export function poolOfInfo(info: EgressInfo): Pool {
  return poolOfRequest(info.request as EgressRequest);
}

/**
 * The bridge's producer side of the two BullMQ queues (`egress-composite`, `egress-track`):
 * enqueues jobs with jobId = egress id and takes back jobs no worker has started.
 */
export class EgressQueues {
  readonly #queues: ReadonlyMap<QueueName, Queue<JobPayload, unknown, string>>;
  readonly #keepFinishedSec: number;
  readonly prefix: string;

  constructor(options: EgressQueuesOptions) {
    this.prefix = options.prefix ?? 'bull';
    this.#keepFinishedSec = Math.ceil((options.keepFinishedMs ?? 86_400_000) / 1000);
    const queues = new Map<QueueName, Queue<JobPayload, unknown, string>>();
    for (const pool of POOLS) {
      const name = QUEUE_NAMES[pool];
      queues.set(name, new Queue(name, { connection: options.connection, prefix: this.prefix }));
    }
    this.#queues = queues;
  }

  /** The queue of a name. */
  queue(name: QueueName): Queue<JobPayload, unknown, string> {
    const queue = this.#queues.get(name);
    // Every QueueName has a queue: the map is built from QUEUE_NAMES.
    if (!queue) throw new TypeError(`unknown queue ${name}`);
    return queue;
  }

  /** Every queue, in pool order. */
  all(): Queue<JobPayload, unknown, string>[] {
    return [...this.#queues.values()];
  }

  /** Waits until every queue's connection is ready. */
  async ready(): Promise<void> {
    await Promise.all(this.all().map((queue) => queue.waitUntilReady()));
  }

  /**
   * Enqueues a job on its pool's queue (`queueOf`: an SDK audio room composite goes to the track
   * pool): name = request type, id = egress id, one attempt (a failed recording is not restarted
   * behind the caller's back).
   */
  async add(payload: JobPayload): Promise<void> {
    const queue = this.queue(queueOf(decodeJobRequest(payload)));
    await queue.add(payload.requestType, payload, {
      jobId: payload.egressId,
      attempts: 1,
      removeOnComplete: { age: this.#keepFinishedSec },
      removeOnFail: { age: this.#keepFinishedSec },
    });
  }

  /** The job of an egress, if the queue still has it. */
  async job(info: EgressInfo): Promise<EgressJob | undefined> {
    return this.queue(queueNameOfInfo(info)).getJob(info.egressId);
  }

  /**
   * Removes an egress's job if no worker has taken it. BullMQ refuses to remove a locked job, so
   * a worker taking the job at the same moment wins and `running` is returned.
   */
  async removeIfQueued(info: EgressInfo): Promise<RemoveOutcome> {
    const job = await this.job(info);
    if (!job) return 'missing';
    const state = await job.getState();
    if (FINISHED_STATES.has(state)) return 'finished';
    if (!QUEUED_STATES.has(state)) return state === 'unknown' ? 'missing' : 'running';
    try {
      await job.remove();
      return 'removed';
    } catch (err) {
      // BullMQ refuses a locked job: a worker took it after getState. That is an outcome, not a
      // failure; the caller then talks to that worker instead.
      if (err instanceof Error && /locked/i.test(err.message)) return 'running';
      throw err;
    }
  }

  /** Closes the queues (not the shared connection). */
  async close(): Promise<void> {
    await Promise.allSettled(this.all().map((queue) => queue.close()));
  }
}
