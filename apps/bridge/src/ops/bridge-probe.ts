import { POOLS, type Pool, QUEUE_NAMES } from '@egress/protocol';
import pTimeout from 'p-timeout';
import type { EgressQueues } from '../intake/egress-queues.js';
import type { RedisClient } from '../state/egress-store.js';
import { readLiveWorkers } from './live-workers.js';

/** BullMQ job states the probe counts, per queue. */
export const JOB_STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
] as const;

/** One of {@link JOB_STATES}. */
export type JobState = (typeof JOB_STATES)[number];

/** What a pool looks like at one moment. */
export interface PoolProbe {
  /** The BullMQ queue of the pool. */
  queue: string;
  /** Jobs per state. */
  jobs: Record<JobState, number>;
  /** Jobs no worker has taken yet: waiting + prioritized + delayed. */
  depth: number;
  /** Workers with a fresh capacity report. */
  liveWorkers: number;
  /** Running egresses per request type (`room-composite`, ...), from the active jobs' names. */
  running: Record<string, number>;
}

/** The bridge's view of Redis, queues and workers at one moment. */
export type BridgeProbe =
  | { redis: 'up'; pools: Record<Pool, PoolProbe> }
  | { redis: 'down'; pools: undefined };

/** Options of {@link probeBridge}. */
export interface ProbeBridgeOptions {
  /** The producer connection (it fails fast when Redis is away). */
  redis: RedisClient;
  queues: EgressQueues;
  /** How long Redis may take to answer, milliseconds. @defaultValue 2000 */
  redisTimeoutMs?: number;
}

/** `work`, rejected when Redis takes longer than `milliseconds` to answer. */
function withTimeout<T>(work: Promise<T>, milliseconds: number): Promise<T> {
  return pTimeout(work, { milliseconds, message: 'redis did not answer in time' });
}

async function probePool(options: ProbeBridgeOptions, pool: Pool): Promise<PoolProbe> {
  const queue = options.queues.queue(QUEUE_NAMES[pool]);
  const [counts, workers, active] = await Promise.all([
    queue.getJobCounts(...JOB_STATES),
    readLiveWorkers(options.redis, pool),
    queue.getActive(),
  ]);
  const jobs = Object.fromEntries(JOB_STATES.map((s) => [s, counts[s] ?? 0])) as Record<
    JobState,
    number
  >;
  const running: Record<string, number> = {};
  for (const job of active) {
    // A job can vanish between listing and reading (then BullMQ gives undefined).
    if (job) running[job.name] = (running[job.name] ?? 0) + 1;
  }
  return {
    queue: queue.name,
    jobs,
    depth: jobs.waiting + jobs.prioritized + jobs.delayed,
    liveWorkers: workers.length,
    running,
  };
}

/**
 * Reads Redis once for `/health` and `/metrics`: whether it answers, job counts per state and
 * live workers per pool. Never throws: an unreachable or slow Redis gives `redis: 'down'`.
 */
export async function probeBridge(options: ProbeBridgeOptions): Promise<BridgeProbe> {
  const timeoutMs = options.redisTimeoutMs ?? 2000;
  try {
    const pong = await withTimeout(options.redis.ping(), timeoutMs);
    if (pong !== 'PONG') return { redis: 'down', pools: undefined };
    const probes = await withTimeout(
      Promise.all(POOLS.map((pool) => probePool(options, pool))),
      timeoutMs,
    );
    const pools = Object.fromEntries(POOLS.map((pool, i) => [pool, probes[i]])) as Record<
      Pool,
      PoolProbe
    >;
    return { redis: 'up', pools };
  } catch {
    // Any failure to read Redis is what this probe reports; callers answer 503 with it.
    return { redis: 'down', pools: undefined };
  }
}
