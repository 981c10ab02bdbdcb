import type { Pool } from '@egress/protocol';
import type { HealthReport } from '@egress/service-runtime';
import type { BridgeProbe, JobState } from './bridge-probe.js';

/** A pool in the bridge's health JSON. */
export interface PoolHealth {
  /** BullMQ queue name. */
  queue: string;
  /** Jobs per BullMQ state. */
  jobs: Record<JobState, number>;
  /** Jobs no worker has taken yet. */
  depth: number;
  /** Workers with a fresh capacity report. */
  liveWorkers: number;
}

/** The bridge's `/health` JSON. */
export interface BridgeHealth extends HealthReport {
  /** True when Redis answers (the HTTP status is 200, else 503). */
  isHealthy: boolean;
  redis: 'up' | 'down';
  /** True after SIGTERM: no new egresses are taken. */
  isDraining: boolean;
  /** Per pool; absent while Redis is down. */
  pools?: Record<Pool, PoolHealth>;
}

/**
 * The health JSON of a probe: healthy exactly when Redis is up (a bridge with no workers still
 * takes requests; they wait in the queue until the start deadline).
 */
export function healthReportOf(probe: BridgeProbe, isDraining: boolean): BridgeHealth {
  if (probe.redis === 'down') return { isHealthy: false, redis: 'down', isDraining };
  const pools = {} as Record<Pool, PoolHealth>;
  for (const [pool, p] of Object.entries(probe.pools) as [Pool, (typeof probe.pools)[Pool]][]) {
    pools[pool] = { queue: p.queue, jobs: p.jobs, depth: p.depth, liveWorkers: p.liveWorkers };
  }
  return { isHealthy: true, redis: 'up', isDraining, pools };
}
