import {
  egressCapacityPattern,
  type Pool,
  parseWorkerCapacity,
  type WorkerCapacity,
} from '@egress/protocol';
import type { RedisClient } from '../state/egress-store.js';

/** Options of {@link readLiveWorkers}. */
export interface ReadLiveWorkersOptions {
  /** Now, epoch ms. @defaultValue `Date.now()` */
  nowMs?: number;
  /**
   * Reports older than this are left out (a dead worker stops refreshing before its key
   * expires), milliseconds; the same window the psrpc affinity uses. @defaultValue 5000
   */
  maxAgeMs?: number;
}

/** Keys fetched per SCAN step and per MGET. */
const SCAN_COUNT = 200;

/**
 * The fresh capacity reports of a pool's workers (`egress:capacity:<pool>:*`), one per live
 * worker. A report that does not parse is skipped: a worker of another version must not make
 * the bridge's health fail.
 * @throws when Redis cannot be reached.
 */
export async function readLiveWorkers(
  redis: RedisClient,
  pool: Pool,
  options: ReadLiveWorkersOptions = {},
): Promise<WorkerCapacity[]> {
  const nowMs = options.nowMs ?? Date.now();
  const maxAgeMs = options.maxAgeMs ?? 5000;
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(
      cursor,
      'MATCH',
      egressCapacityPattern(pool),
      'COUNT',
      SCAN_COUNT,
    );
    cursor = next;
    for (const key of found) keys.add(key);
  } while (cursor !== '0');
  const live: WorkerCapacity[] = [];
  const all = [...keys];
  for (let at = 0; at < all.length; at += SCAN_COUNT) {
    const values = await redis.mget(...all.slice(at, at + SCAN_COUNT));
    for (const value of values) {
      if (value === null) continue; // expired between SCAN and MGET
      let capacity: WorkerCapacity;
      try {
        capacity = parseWorkerCapacity(JSON.parse(value));
      } catch {
        // Skipped on purpose (see the TSDoc): an unreadable report counts as no worker.
        continue;
      }
      if (capacity.pool === pool && nowMs - capacity.updatedAtMs <= maxAgeMs) live.push(capacity);
    }
  }
  return live;
}
