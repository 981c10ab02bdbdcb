import { EgressError } from '@egress/protocol';

/** Options of {@link CpuAdmission}. */
export interface CpuAdmissionOptions {
  /** Cores of the machine (Go's numCPU). */
  cpuTotal: number;
  /** Share of `cpuTotal` admission may fill (`cpu_cost.max_cpu_utilization`). */
  maxCpuUtilization: number;
  /** How long a new egress counts at least its cost, before measurement takes over. @defaultValue 15000 */
  pendingMs?: number;
}

interface Running {
  cost: number;
  sinceMs: number;
  measured: number;
}

/**
 * Admission by CPU, as Go's monitor (egress-go-behavior.md §1): all cores are available while
 * idle; otherwise `cpuTotal × maxCpuUtilization − Σ max(pendingCost, measured)` per running
 * egress, where the cost counts for its first 15 s and the measured use of its process group
 * after. A request is admitted when `available ≥ cost`. Cores measured outside any egress (warm
 * egress processes waiting for a job) come off `available` in both cases.
 */
export class CpuAdmission {
  readonly #cpuTotal: number;
  readonly #maxUtilization: number;
  readonly #pendingMs: number;
  readonly #running = new Map<string, Running>();
  #idleUse = 0;

  constructor(options: CpuAdmissionOptions) {
    if (!(options.cpuTotal > 0)) throw EgressError.invalidArgument('cpuTotal must be above 0');
    if (!(options.maxCpuUtilization > 0 && options.maxCpuUtilization <= 1)) {
      throw EgressError.invalidArgument('maxCpuUtilization must be in (0, 1]');
    }
    this.#cpuTotal = options.cpuTotal;
    this.#maxUtilization = options.maxCpuUtilization;
    this.#pendingMs = options.pendingMs ?? 15_000;
  }

  /** Cores of the machine. */
  get cpuTotal(): number {
    return this.#cpuTotal;
  }

  /** Ids of the admitted egresses. */
  get activeIds(): string[] {
    return [...this.#running.keys()];
  }

  /** Cores free for new work now. */
  available(nowMs = Date.now()): number {
    if (this.#running.size === 0) return this.#cpuTotal - this.#idleUse;
    let used = this.#idleUse;
    for (const r of this.#running.values()) {
      used += nowMs - r.sinceMs < this.#pendingMs ? Math.max(r.cost, r.measured) : r.measured;
    }
    return this.#cpuTotal * this.#maxUtilization - used;
  }

  /** Whether a request of `cost` cores fits now. */
  canAdmit(cost: number, nowMs = Date.now()): boolean {
    return this.available(nowMs) >= cost;
  }

  /** Counts an admitted egress. */
  reserve(egressId: string, cost: number, nowMs = Date.now()): void {
    this.#running.set(egressId, { cost, sinceMs: nowMs, measured: 0 });
  }

  /** Records the measured use of an egress, in cores. */
  measure(egressId: string, cores: number): void {
    const r = this.#running.get(egressId);
    if (r) r.measured = cores;
  }

  /** Records the measured use of processes that serve no egress yet (the warm pool), in cores. */
  measureIdle(cores: number): void {
    this.#idleUse = Math.max(0, cores);
  }

  /** Forgets an egress that ended. */
  release(egressId: string): void {
    this.#running.delete(egressId);
  }
}
