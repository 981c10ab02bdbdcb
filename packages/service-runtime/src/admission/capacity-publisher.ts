import type { Logger } from '@egress/protocol';
import type { Cluster, Redis } from 'ioredis';
import { repeatWithoutOverlap } from '../repeat-without-overlap.js';

/** Options of {@link startCapacityPublisher}. */
export interface CapacityPublisherOptions {
  redis: Redis | Cluster;
  /** Where the report is stored (`egressCapacityKey`). */
  key: string;
  /** Measures and builds the report to store (see `JobGate.capacity`). */
  report: () => Promise<string>;
  logger: Logger;
  /** How often the report is refreshed, milliseconds. @defaultValue 1000 */
  intervalMs?: number | undefined;
  /** TTL of the stored report, milliseconds: a dead worker's report expires. @defaultValue 5000 */
  ttlMs?: number | undefined;
}

/** A worker's stored capacity report, refreshed until closed. */
export interface CapacityPublisher {
  /** Measures and stores a report now. */
  publish(): Promise<void>;
  /** Stops refreshing and removes the report, so the bridge sends nothing more here. */
  close(): Promise<void>;
}

/**
 * Publishes a pool worker's capacity for the bridge's affinity: every `intervalMs` (a tick is
 * skipped while the previous one runs), stored with a TTL so that a dead worker's report expires.
 */
export function startCapacityPublisher(options: CapacityPublisherOptions): CapacityPublisher {
  const { key } = options;
  const ttlMs = options.ttlMs ?? 5000;
  const publish = async (): Promise<void> => {
    const body = await options.report();
    await options.redis.set(key, body, 'PX', ttlMs);
  };
  const stop = repeatWithoutOverlap(publish, options.intervalMs ?? 1000, (err) =>
    options.logger.warn({ err }, 'could not publish capacity'),
  );
  return {
    publish,
    close: async () => {
      stop();
      await options.redis
        .del(key)
        // the report expires after its TTL anyway; until then the bridge may still pick us
        .catch((err: unknown) => options.logger.warn({ err }, 'could not remove the capacity'));
    },
  };
}
