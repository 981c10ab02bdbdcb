import { fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Config,
  DEFAULT_ENCODING,
  decodeJobRequest,
  END_REASONS,
  type Logger,
  validateRequest,
} from '@egress/protocol';
import {
  type AdmittedEgress,
  loaderExecArgv,
  ProcessUsage,
  type UsageSample,
  WorkerShell,
} from '@egress/service-runtime';
import type { EgressInfo } from '@livekit/protocol';
import { readCgroupMemoryBytes } from './cgroup-memory.js';
import { type DisplaySize, displayFor } from './display-size.js';
import { EgressChild } from './egress-child.js';
import type { MediaSourceKind } from './media-source.js';
import { PulseSinkReaper } from './pulse-sink-reaper.js';
import { ResourceWatchdog } from './resource-watchdog.js';
import { WarmPool, type WarmProcess } from './warm-pool.js';

/** Options of {@link startCompositeWorker}. */
export interface CompositeWorkerOptions {
  config: Config;
  logger: Logger;
  /** BullMQ prefix; the bridge's `queuePrefix`. @defaultValue BullMQ's 'bull' */
  prefix?: string;
  /** Unique id of this worker (`[A-Za-z0-9_.-]`). @defaultValue `<hostname>-<pid>-<random>` */
  workerId?: string;
  /** Where each egress gets its tmp dir. @defaultValue `<os tmpdir>/egress` */
  tmpRoot?: string;
  /** The capture each egress uses. @defaultValue 'web' */
  mediaSource?: MediaSourceKind;
  /** Cores of the machine. @defaultValue os.availableParallelism() */
  cpuTotal?: number;
  /** How often CPU is measured and capacity published. @defaultValue 1000 */
  capacityIntervalMs?: number;
  /** TTL of the capacity key. @defaultValue 5000 */
  capacityTtlMs?: number;
  /**
   * Display size of warm egress processes (`warm_pool_size`) until a job asks for another.
   * @defaultValue the default encoding's (1280x720x24)
   */
  warmDisplay?: DisplaySize;
  /** Called when an egress goes ACTIVE, with how it started (bench, tests). */
  onEgressActive?: (start: EgressStart) => void;
  /**
   * How long an egress killed for CPU or memory may take to finalize and upload before its
   * processes are SIGKILLed and its crash-safe file is uploaded from here. @defaultValue 60000
   */
  killDeadlineMs?: number;
}

/** How one egress started on this worker. */
export interface EgressStart {
  egressId: string;
  /** Whether it ran in a warm egress process. */
  isWarm: boolean;
  /** Epoch ms when the worker took the job, and when the egress went ACTIVE. */
  takenAtMs: number;
  activeAtMs: number;
}

/** A running composite worker. */
export interface CompositeWorker {
  readonly workerId: string;
  /** Ids of the egresses running here. */
  activeEgressIds(): string[];
  /** The pid of an egress's process (it leads its own process group), while it runs. */
  pidOf(egressId: string): number | undefined;
  /** Every process group of a running egress: its own, then Chromium's once started. */
  processGroupsOf(egressId: string): number[];
  /** Cores free for new work, as published. */
  cpuAvailable(): number;
  /** The warm egress processes ready for a job: ids (their sink names) and pids. */
  warmProcesses(): Array<{ warmId: string; pid: number }>;
  /**
   * Drains: takes no new job, lets running egresses finish, then disconnects. Idempotent.
   */
  close(): Promise<void>;
}

function costsOf(config: Config): { min: number } {
  const c = config.cpuCost;
  return {
    min: Math.min(
      c.roomCompositeCpuCost,
      c.audioRoomCompositeCpuCost,
      c.webCpuCost,
      c.audioWebCpuCost,
    ),
  };
}

/**
 * Starts the composite worker: a BullMQ Worker on `egress-composite` ({@link WorkerShell}) that
 * runs each egress in its own child process ({@link EgressChild}: `egress-process`, its own
 * process group, so a crash or SIGKILL of one never takes another down), relays the child's
 * status as job progress, control messages to the child and replies back, and ends the job with
 * the final EgressInfo.
 *
 * Admission (Go's CPU rule): a job is taken only when `available ≥ its cpuCost`. BullMQ fetches a
 * job before its cost is known, so the worker fetches one job at a time and only while the
 * cheapest composite cost fits, and a fetched job that does not fit goes straight back to the
 * wait list (`moveToWait`) while fetching pauses until it would fit or an egress ends. Capacity
 * is published every second under `egress:capacity:composite:<workerId>` with a TTL for the
 * bridge's affinity. Go's CPU and memory kills run on the same measurements.
 */
export async function startCompositeWorker(
  options: CompositeWorkerOptions,
): Promise<CompositeWorker> {
  const { config } = options;
  const log = options.logger.child({ component: 'composite-worker' });
  const tmpRoot = options.tmpRoot ?? join(tmpdir(), 'egress');
  const mediaSource = options.mediaSource ?? 'web';
  const killDeadlineMs = options.killDeadlineMs ?? 60_000;
  const isTs = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./egress-process.${isTs ? 'ts' : 'js'}`, import.meta.url));
  const forkEgressProcess = () =>
    fork(entry, [], {
      detached: true,
      execArgv: loaderExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });

  /** The running egresses, with their CPU cost (the watchdog's allowance). */
  const children = new Map<string, { child: EgressChild; cpuCost: number }>();
  const groupsOf = (egressId: string) => children.get(egressId)?.child.processGroups;
  const usage = new ProcessUsage({ select: 'group' });
  const watchdog = new ResourceWatchdog({
    cpuTotal: options.cpuTotal ?? availableParallelism(),
    maxCpuUtilization: config.cpuCost.maxCpuUtilization,
    maxMemoryGb: config.cpuCost.maxMemoryGb,
    memoryKillGraceMs: config.cpuCost.memoryKillGraceMs,
    cpuKillGraceMs: config.cpuCost.cpuKillGraceMs,
  });
  let warmPool: WarmPool | undefined;

  /** Measures each egress's process groups and the warm processes, and enforces the limits. */
  async function measure(): Promise<void> {
    const measured = [...children.keys()].flatMap((egressId) => {
      const groups = groupsOf(egressId);
      return groups ? [{ egressId, groups }] : [];
    });
    const warmGroups = warmPool?.processGroups() ?? [];
    const sample = await usage.sample([...measured.flatMap((e) => e.groups), ...warmGroups]);
    const sumOf = (pgids: readonly number[]) =>
      pgids.reduce((sum, pgid) => sum + (sample.byLeader.get(pgid)?.cpu ?? 0), 0);
    for (const { egressId, groups } of measured) shell.admission.measure(egressId, sumOf(groups));
    shell.admission.measureIdle(sumOf(warmGroups));
    await enforceLimits(sample, measured);
  }

  /** Go's CPU and memory kills (`ResourceWatchdog`) on one tick's usage. */
  async function enforceLimits(
    sample: UsageSample,
    measured: ReadonlyArray<{ egressId: string; groups: readonly number[] }>,
  ): Promise<void> {
    const { maxMemoryGb, memorySource } = config.cpuCost;
    const cgroupBytes =
      maxMemoryGb > 0 && memorySource === 'cgroup' ? await readCgroupMemoryBytes() : undefined;
    const groupsById = new Map(measured.map((e) => [e.egressId, e.groups]));
    const egresses = [...children].map(([egressId, { cpuCost }]) => {
      const used = (groupsById.get(egressId) ?? []).map((pgid) => sample.byLeader.get(pgid));
      return {
        egressId,
        allowedCpu: cpuCost,
        cpu: used.reduce((sum, u) => sum + (u?.cpu ?? 0), 0),
        memoryBytes: used.reduce((sum, u) => sum + (u?.rssBytes ?? 0), 0),
      };
    });
    const actions = watchdog.check({
      nowMs: Date.now(),
      nodeCpu: sample.nodeCpu,
      // Go falls back to proc_rss when the cgroup cannot be read
      nodeMemoryBytes: cgroupBytes ?? sample.nodeRssBytes,
      egresses,
    });
    for (const action of actions) {
      const child = children.get(action.egressId)?.child;
      if (action.kind === 'stop') {
        log.warn({ egressId: action.egressId, cpu: action.cpu }, 'cpu exhausted: stopping egress');
        child?.end(END_REASONS.cpuExhausted);
      } else {
        log.warn({ egressId: action.egressId, error: action.error.message }, 'killing egress');
        child?.kill(action.error);
      }
    }
  }

  /** Runs one admitted egress in its own process (a warm one when it fits). */
  async function runEgress(egress: AdmittedEgress): Promise<EgressInfo> {
    const { egressId } = egress.payload;
    const elog = log.child({ egressId });
    const tmpDir = join(tmpRoot, egressId);
    await mkdir(tmpDir, { recursive: true });
    const takenAtMs = Date.now();
    const child = new EgressChild({
      egress,
      config,
      logger: elog,
      tmpDir,
      mediaSource,
      fork: forkEgressProcess,
      killDeadlineMs,
      onActive: (isWarm) => {
        const activeAtMs = Date.now();
        elog.info({ isWarm, durationMs: activeAtMs - takenAtMs }, 'egress started');
        options.onEgressActive?.({ egressId, isWarm, takenAtMs, activeAtMs });
        warmPool?.refill(); // after the start it would compete with
      },
    });
    children.set(egressId, { child, cpuCost: egress.payload.cpuCost });
    egress.onControl((message) => child.control(message));
    try {
      return await child.run(takeWarm(egress));
    } finally {
      children.delete(egressId);
      watchdog.ended(egressId);
    }
  }

  /** A ready warm process whose display fits the job, or none (then it starts cold). */
  function takeWarm(egress: AdmittedEgress): WarmProcess | undefined {
    if (!warmPool) return undefined;
    try {
      const validated = validateRequest(decodeJobRequest(egress.payload), {
        retryCount: egress.info.retryCount,
      });
      return warmPool.take(displayFor(validated));
    } catch {
      // an invalid request fails in a new process, as without the pool: no warm one is spent
      return undefined;
    }
  }

  const costs = costsOf(config);
  const shell = await WorkerShell.open({
    pool: 'composite',
    config,
    logger: log,
    prefix: options.prefix,
    workerId: options.workerId,
    cpuTotal: options.cpuTotal,
    concurrency: 1,
    isFetchingOneAtATime: true,
    minCost: costs.min,
    capacityIntervalMs: options.capacityIntervalMs,
    capacityTtlMs: options.capacityTtlMs,
    measure,
    capacityEgressIds: () =>
      shell.admission.activeIds.length > 0 ? shell.admission.activeIds : [...children.keys()],
    run: runEgress,
    onReleased: () => warmPool?.refill(),
  });

  // Sinks of egress processes that died without closing them (SIGKILL) are unloaded after the
  // grace; the browser capture is the only user of sinks.
  if (mediaSource === 'web' && config.pulseSinkReapGraceMs !== null) {
    const sinkReaper = new PulseSinkReaper({ graceMs: config.pulseSinkReapGraceMs, logger: log });
    sinkReaper.start();
    shell.addCloseStep('pulse sink reaper', () => sinkReaper.close());
  }
  await shell.start();
  // Warm processes only serve the browser capture; each costs memory (Chromium, Xvfb) and a
  // little CPU, measured into admission, and one is kept only while a job could use it. They
  // close first when draining.
  if (mediaSource === 'web' && config.warmPoolSize > 0) {
    const pool = new WarmPool({
      size: config.warmPoolSize,
      display: options.warmDisplay ?? {
        width: DEFAULT_ENCODING.width,
        height: DEFAULT_ENCODING.height,
        depth: DEFAULT_ENCODING.depth,
      },
      fork: forkEgressProcess,
      prepare: { config },
      logger: log,
      mayStart: () => !shell.isDraining && shell.admission.canAdmit(costs.min),
    });
    warmPool = pool;
    shell.addCloseStep('warm pool', () => pool.close());
    pool.refill();
  }
  log.info(
    {
      workerId: shell.workerId,
      cpuTotal: shell.admission.cpuTotal,
      warmPoolSize: warmPool ? config.warmPoolSize : 0,
    },
    'composite worker started',
  );

  return {
    workerId: shell.workerId,
    activeEgressIds: () => shell.activeEgressIds(),
    pidOf: (egressId) => groupsOf(egressId)?.[0],
    processGroupsOf: (egressId) => [...(groupsOf(egressId) ?? [])],
    cpuAvailable: () => shell.admission.available(),
    warmProcesses: () => warmPool?.ready() ?? [],
    close: () => shell.close(),
  };
}
