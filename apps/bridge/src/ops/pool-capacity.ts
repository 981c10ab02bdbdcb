import type { Pool, RequestType, WorkerCapacity } from '@egress/protocol';
import type { RedisClient } from '../state/egress-store.js';
import { readLiveWorkers } from './live-workers.js';

/** Options of {@link PoolCapacity}. */
export interface PoolCapacityOptions {
  /** A connection for SCAN and MGET; never closed here. */
  redis: RedisClient;
  /**
   * How long one read of a pool's capacity reports answers claims, milliseconds: a burst of
   * StartEgress requests costs one SCAN, not one each. Workers refresh every second.
   * @defaultValue 500
   */
  cacheMs?: number;
  /** Reports older than this are left out, milliseconds. @defaultValue 5000 */
  maxAgeMs?: number;
  /**
   * Config `cpu_cost.max_cpu_utilization`: an idle worker reports all its cores, a busy one
   * only this share minus its costs, and a reservation counts the same way. @defaultValue 0.8
   */
  maxCpuUtilization?: number;
}

interface Snapshot {
  readAtMs: number;
  workers: Promise<WorkerCapacity[]>;
}

/**
 * The live workers of each pool as the psrpc door's affinity sees them: their capacity reports
 * (`egress:capacity:<pool>:*`), read at most once per `cacheMs`, minus what this bridge accepted
 * since that read. Without the deduction a burst would be claimed against capacity that the
 * first jobs of the burst already took (Go counts a new request's cost as pending at once).
 */
export class PoolCapacity {
  readonly #redis: RedisClient;
  readonly #cacheMs: number;
  readonly #maxAgeMs: number;
  readonly #maxCpuUtilization: number;
  readonly #snapshots = new Map<Pool, Snapshot>();

  constructor(options: PoolCapacityOptions) {
    this.#redis = options.redis;
    this.#cacheMs = options.cacheMs ?? 500;
    this.#maxAgeMs = options.maxAgeMs ?? 5000;
    this.#maxCpuUtilization = options.maxCpuUtilization ?? 0.8;
    for (const [name, value] of [
      ['cacheMs', this.#cacheMs],
      ['maxAgeMs', this.#maxAgeMs],
      ['maxCpuUtilization', this.#maxCpuUtilization],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new TypeError(`PoolCapacity: ${name} must be a number of at least 0`);
      }
    }
  }

  /**
   * The pool's fresh workers, with this bridge's starts since the read deducted. Concurrent
   * callers share one read; a failed read is not cached.
   * @throws when Redis cannot be reached.
   */
  workers(pool: Pool, nowMs = Date.now()): Promise<WorkerCapacity[]> {
    const cached = this.#snapshots.get(pool);
    if (cached && nowMs - cached.readAtMs < this.#cacheMs) return cached.workers;
    const snapshot: Snapshot = {
      readAtMs: nowMs,
      workers: readLiveWorkers(this.#redis, pool, { nowMs, maxAgeMs: this.#maxAgeMs }),
    };
    snapshot.workers.catch(() => {
      // Not cached: the next claim reads again. The caller sees the error.
      if (this.#snapshots.get(pool) === snapshot) this.#snapshots.delete(pool);
    });
    this.#snapshots.set(pool, snapshot);
    return snapshot.workers;
  }

  /**
   * Counts an egress this bridge accepted against the cached reports until the next read: the
   * cost comes off the busiest worker that can take it (Go's affinity packs work onto busy
   * servers; BullMQ hands the job to whichever worker fetches first, so this is an estimate),
   * which then counts as busy: an idle worker's all-cores report becomes Go's busy figure,
   * `cpuTotal * max_cpu_utilization − cost`.
   */
  async reserve(
    pool: Pool,
    egressId: string,
    cost: number,
    requestType?: RequestType,
  ): Promise<void> {
    const snapshot = this.#snapshots.get(pool);
    if (!snapshot) return;
    let workers: WorkerCapacity[];
    try {
      workers = await snapshot.workers;
    } catch {
      // A failed read holds nothing to deduct from; the next read sees the job's worker.
      return;
    }
    const fits = workers.filter(
      (w) => w.cpuAvailable >= cost && !(requestType && w.canAccept?.[requestType] === false),
    );
    const target =
      fits.find((w) => w.activeEgressIds.length > 0) ??
      fits[0] ??
      workers.reduce<WorkerCapacity | undefined>(
        (best, w) => (best === undefined || w.cpuAvailable > best.cpuAvailable ? w : best),
        undefined,
      );
    if (!target) return;
    target.cpuAvailable =
      target.activeEgressIds.length === 0
        ? target.cpuTotal * this.#maxCpuUtilization - cost
        : target.cpuAvailable - cost;
    target.activeEgressIds = [...target.activeEgressIds, egressId];
  }
}
