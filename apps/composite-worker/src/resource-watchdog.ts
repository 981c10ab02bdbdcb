import { cpuExhaustedError, EgressError, outOfMemoryError } from '@egress/protocol';

/** Options of {@link ResourceWatchdog}, from `cpu_cost`. */
export interface ResourceWatchdogOptions {
  /** Cores of the node (Go's numCPU). */
  cpuTotal: number;
  /** `cpu_cost.max_cpu_utilization`: lifts the kill threshold when it is 0.95 or more. */
  maxCpuUtilization: number;
  /** `cpu_cost.max_memory` in GiB; 0 turns the memory kill off. */
  maxMemoryGb: number;
  /** `cpu_cost.memory_kill_grace_sec` in ms: how long memory may stay over the limit. */
  memoryKillGraceMs: number;
  /** `cpu_cost.cpu_kill_grace_sec` in ms: from the graceful CPU stop to the kill. */
  cpuKillGraceMs: number;
}

/** One running egress in a {@link WatchdogSample}. */
export interface WatchdogEgress {
  egressId: string;
  /** Cores its process groups used over the last tick. */
  cpu: number;
  /** Its CPU cost: it counts as an offender only above this. */
  allowedCpu: number;
  /** Resident memory of its process groups, in bytes. */
  memoryBytes: number;
}

/** What the node used over one tick (about a second). */
export interface WatchdogSample {
  nowMs: number;
  /** Cores every process of the node used (Go sums every process it can see). */
  nodeCpu: number;
  /** Memory compared with `max_memory`: Σ RSS, or the cgroup's usage (`memory_source`). */
  nodeMemoryBytes: number;
  egresses: readonly WatchdogEgress[];
}

/** What the worker must do after a tick. */
export type WatchdogAction =
  /** End the egress gracefully with the end reason "CPU exhausted" (Go's StopProcess). */
  | { kind: 'stop'; egressId: string; cpu: number }
  /** End the egress FAILED with `error` (Go's KillProcess). */
  | { kind: 'kill'; egressId: string; error: EgressError };

/** Go's constants (pkg/stats/monitor.go). */
const DEFAULT_KILL_THRESHOLD = 0.95;
/** Ticks over the threshold before the graceful stop. */
const MIN_KILL_TICKS = 10;
/** Ticks under the threshold that reset the count of high ones. */
const LOW_RESET_TICKS = 5;
const GIB = 1024 ** 3;

/**
 * Go's CPU and memory kills (pkg/stats/monitor.go `checkCPUKill`, `checkMemoryKill`), fed one
 * sample a tick:
 * - CPU: when the node's load (`nodeCpu / cpuTotal`) is over 0.95 (or `(1 + max_cpu_utilization)
 *   / 2` when that is higher) for 10 ticks with more than one egress running, the egress that
 *   uses the most CPU above its cost is stopped gracefully ("CPU exhausted"); if the load is still
 *   high `cpu_kill_grace_sec` later, it is killed with "CPU exhausted: X cores used". Five low
 *   ticks in a row reset the count, so a jittery load still trips and a short spike does not.
 * - Memory (only with `max_memory`): once the node's memory stays over it for
 *   `memory_kill_grace_sec`, the egress with the most memory is killed with "OOM: X GB used",
 *   even when it is the only one.
 */
export class ResourceWatchdog {
  readonly #options: ResourceWatchdogOptions;
  readonly #killThreshold: number;
  #highTicks = 0;
  #lowTicks = 0;
  #cpuStop: { egressId: string; atMs: number } | undefined;
  #highMemorySinceMs: number | undefined;

  constructor(options: ResourceWatchdogOptions) {
    if (!(options.cpuTotal > 0)) throw EgressError.invalidArgument('cpuTotal must be above 0');
    this.#options = options;
    this.#killThreshold =
      DEFAULT_KILL_THRESHOLD > options.maxCpuUtilization
        ? DEFAULT_KILL_THRESHOLD
        : (1 + options.maxCpuUtilization) / 2;
  }

  /** Takes one tick's sample; returns what to stop or kill (at most one CPU and one memory action). */
  check(sample: WatchdogSample): WatchdogAction[] {
    const actions: WatchdogAction[] = [];
    const cpu = this.#checkCpu(sample);
    if (cpu) actions.push(cpu);
    const memory = this.#checkMemory(sample);
    if (memory) actions.push(memory);
    return actions;
  }

  /** Forgets an egress that ended: a pending CPU stop of it will not turn into a kill. */
  ended(egressId: string): void {
    if (this.#cpuStop?.egressId === egressId) this.#cpuStop = undefined;
  }

  #checkCpu(sample: WatchdogSample): WatchdogAction | undefined {
    const load = sample.nodeCpu / this.#options.cpuTotal;
    if (load <= this.#killThreshold) {
      this.#lowTicks++;
      if (this.#lowTicks >= LOW_RESET_TICKS) this.#highTicks = 0;
      return undefined;
    }
    this.#lowTicks = 0;
    if (sample.egresses.length <= 1) return undefined;

    const stop = this.#cpuStop;
    if (!stop) {
      this.#highTicks++;
      const worst = worstCpuOffender(sample.egresses);
      if (this.#highTicks < MIN_KILL_TICKS || !worst) return undefined;
      this.#cpuStop = { egressId: worst.egressId, atMs: sample.nowMs };
      this.#highTicks = 0;
      return { kind: 'stop', egressId: worst.egressId, cpu: worst.cpu };
    }
    if (sample.nowMs - stop.atMs < this.#options.cpuKillGraceMs) return undefined;
    this.#cpuStop = undefined;
    // Go words the kill with the tick's worst offender's use; the stopped egress's own use is
    // what the message means, and it is the same egress while it still overloads the node
    const cores = sample.egresses.find((e) => e.egressId === stop.egressId)?.cpu ?? 0;
    return { kind: 'kill', egressId: stop.egressId, error: cpuExhaustedError(cores) };
  }

  #checkMemory(sample: WatchdogSample): WatchdogAction | undefined {
    const { maxMemoryGb, memoryKillGraceMs } = this.#options;
    if (maxMemoryGb <= 0) return undefined;
    if (sample.nodeMemoryBytes <= maxMemoryGb * GIB) {
      this.#highMemorySinceMs = undefined;
      return undefined;
    }
    this.#highMemorySinceMs ??= sample.nowMs;
    if (sample.nowMs - this.#highMemorySinceMs < memoryKillGraceMs) return undefined;
    this.#highMemorySinceMs = undefined;
    const largest = [...sample.egresses].sort((a, b) => b.memoryBytes - a.memoryBytes)[0];
    if (!largest) return undefined;
    return {
      kind: 'kill',
      egressId: largest.egressId,
      error: outOfMemoryError(sample.nodeMemoryBytes / GIB),
    };
  }
}

/** The egress using the most CPU above its cost, if any uses more than its cost. */
function worstCpuOffender(egresses: readonly WatchdogEgress[]): WatchdogEgress | undefined {
  let worst: WatchdogEgress | undefined;
  for (const e of egresses) {
    if (e.cpu > e.allowedCpu && e.cpu > (worst?.cpu ?? 0)) worst = e;
  }
  return worst;
}
