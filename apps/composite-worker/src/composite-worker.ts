import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Config,
  type ControlMessage,
  DEFAULT_ENCODING,
  decodeJobInfo,
  decodeJobRequest,
  EgressError,
  END_REASONS,
  type EndReason,
  egressCapacityKey,
  egressControlChannel,
  egressInfoFromJson,
  encodeControlReplyError,
  encodeWorkerStatus,
  isFinalStatus,
  type JobPayload,
  type Logger,
  markFailed,
  msToNs,
  parseControlMessageOn,
  parseJobPayload,
  QUEUE_NAMES,
  validateRequest,
  type WorkerStatusMessage,
} from '@egress/protocol';
import {
  CpuAdmission,
  createWorkerRedis,
  JobGate,
  loaderExecArgv,
  ProcessUsage,
  poolWorkerOptions,
  startCapacityPublisher,
  type UsageSample,
} from '@egress/service-runtime';
import { createOutputUploader } from '@egress/storage';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';
import { type Job, WaitingError, Worker } from 'bullmq';
import { readCgroupMemoryBytes } from './cgroup-memory.js';
import { type DisplaySize, displayFor } from './display-size.js';
import type { ChildMessage, OutputsMessage, StartMessage } from './ipc-messages.js';
import { killProcessGroups } from './kill-process-groups.js';
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

/** What the resource watchdog may do to one running egress. */
interface Killable {
  /** Its CPU cost: it counts as a CPU offender only above this. */
  cpuCost: number;
  /** Ends it gracefully (Go's StopProcess). */
  end(endReason: EndReason): void;
  /** Ends it FAILED with `error` (Go's KillProcess). */
  kill(error: EgressError): void;
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
 * Starts the composite worker: a BullMQ Worker on `egress-composite` that runs each egress in its
 * own child process (`egress-process`, its own process group, so a crash or SIGKILL of one never
 * takes another down), relays the child's status as job progress, control messages to the child
 * and replies back, and ends the job with the final EgressInfo.
 *
 * Admission (Go's CPU rule): a job is taken only when `available ≥ its cpuCost`. BullMQ fetches a
 * job before its cost is known, so the worker fetches only while the cheapest composite cost
 * fits, and a fetched job that does not fit goes straight back to the wait list (`moveToWait`)
 * while fetching pauses until it would fit or an egress ends. Capacity is published every second
 * under `egress:capacity:composite:<workerId>` with a TTL for the bridge's affinity.
 */
export async function startCompositeWorker(
  options: CompositeWorkerOptions,
): Promise<CompositeWorker> {
  const { config } = options;
  if (!config.redis) throw EgressError.invalidArgument('redis.address: required');
  const log = options.logger.child({ component: 'composite-worker' });
  const workerId =
    options.workerId ??
    `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const tmpRoot = options.tmpRoot ?? join(tmpdir(), 'egress');
  const mediaSource = options.mediaSource ?? 'web';
  const capacityKey = egressCapacityKey('composite', workerId);
  const admission = new CpuAdmission({
    cpuTotal: options.cpuTotal ?? availableParallelism(),
    maxCpuUtilization: config.cpuCost.maxCpuUtilization,
  });
  const usage = new ProcessUsage({ select: 'group' });
  const watchdog = new ResourceWatchdog({
    cpuTotal: admission.cpuTotal,
    maxCpuUtilization: config.cpuCost.maxCpuUtilization,
    maxMemoryGb: config.cpuCost.maxMemoryGb,
    memoryKillGraceMs: config.cpuCost.memoryKillGraceMs,
    cpuKillGraceMs: config.cpuCost.cpuKillGraceMs,
  });
  const killDeadlineMs = options.killDeadlineMs ?? 60_000;
  const costs = costsOf(config);
  const isTs = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./egress-process.${isTs ? 'ts' : 'js'}`, import.meta.url));
  const forkEgressProcess = () =>
    fork(entry, [], {
      detached: true,
      execArgv: loaderExecArgv(),
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });

  const { connection, subscriber, commands } = await createWorkerRedis(config.redis, log);

  /** Control handlers of running egresses. */
  const handlers = new Map<string, (message: ControlMessage) => void>();
  /** Process groups of each running egress: its child's (pid = pgid) first, then Chromium's. */
  const groups = new Map<string, number[]>();
  /** What the resource watchdog may do to each running egress. */
  const killables = new Map<string, Killable>();

  subscriber.on('message', (channel: string, raw: string) => {
    const message = parseControlMessageOn(channel, raw);
    if (message) handlers.get(message.egressId)?.(message);
  });

  const worker = new Worker<JobPayload, WorkerStatusMessage>(
    QUEUE_NAMES.composite,
    (job, token) => processJob(job, token),
    poolWorkerOptions({ connection, prefix: options.prefix, concurrency: 1 }),
  );
  worker.on('error', (err) => log.warn({ err }, 'worker error'));
  const gate = new JobGate({
    admission,
    minCost: costs.min,
    worker,
    logger: log,
    // fetch one job at a time: BullMQ takes as many as its concurrency allows
    concurrency: () => Math.max(1, handlers.size + 1),
  });

  // Warm processes only serve the browser capture; each costs memory (Chromium, Xvfb) and a
  // little CPU, measured into admission, and one is kept only while a job could use it.
  const warmPool =
    mediaSource === 'web' && config.warmPoolSize > 0
      ? new WarmPool({
          size: config.warmPoolSize,
          display: options.warmDisplay ?? {
            width: DEFAULT_ENCODING.width,
            height: DEFAULT_ENCODING.height,
            depth: DEFAULT_ENCODING.depth,
          },
          fork: forkEgressProcess,
          prepare: { config },
          logger: log,
          mayStart: () => !gate.isDraining && admission.canAdmit(costs.min),
        })
      : undefined;

  /** Measures, enforces the limits, re-decides fetching and builds the capacity report. */
  async function measureCapacity(): Promise<string> {
    const ids = [...groups.keys()];
    const warmGroups = warmPool?.processGroups() ?? [];
    const sample = await usage.sample([...[...groups.values()].flat(), ...warmGroups]);
    const sumOf = (pgids: readonly number[]) =>
      pgids.reduce((sum, pgid) => sum + (sample.byLeader.get(pgid)?.cpu ?? 0), 0);
    for (const [egressId, pgids] of groups) admission.measure(egressId, sumOf(pgids));
    admission.measureIdle(sumOf(warmGroups));
    await enforceLimits(sample);
    gate.update();
    return gate.capacity({
      workerId,
      pool: 'composite',
      activeEgressIds: admission.activeIds.length > 0 ? admission.activeIds : ids,
    });
  }

  /** Go's CPU and memory kills (`ResourceWatchdog`) on one tick's usage. */
  async function enforceLimits(sample: UsageSample): Promise<void> {
    const { maxMemoryGb, memorySource } = config.cpuCost;
    const cgroupBytes =
      maxMemoryGb > 0 && memorySource === 'cgroup' ? await readCgroupMemoryBytes() : undefined;
    const egresses = [...killables].map(([egressId, killable]) => {
      const used = (groups.get(egressId) ?? []).map((pgid) => sample.byLeader.get(pgid));
      return {
        egressId,
        allowedCpu: killable.cpuCost,
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
      const killable = killables.get(action.egressId);
      if (action.kind === 'stop') {
        log.warn({ egressId: action.egressId, cpu: action.cpu }, 'cpu exhausted: stopping egress');
        killable?.end(END_REASONS.cpuExhausted);
      } else {
        log.warn({ egressId: action.egressId, error: action.error.message }, 'killing egress');
        killable?.kill(action.error);
      }
    }
  }

  const capacity = startCapacityPublisher({
    redis: commands,
    key: capacityKey,
    report: measureCapacity,
    logger: log,
    intervalMs: options.capacityIntervalMs,
    ttlMs: options.capacityTtlMs,
  });

  async function processJob(
    job: Job<JobPayload, WorkerStatusMessage>,
    token: string | undefined,
  ): Promise<WorkerStatusMessage> {
    let payload: JobPayload;
    try {
      payload = parseJobPayload(job.data);
    } catch (err) {
      throw new Error(JSON.stringify(EgressError.from(err).toJSON()));
    }
    const info = decodeJobInfo(payload);
    const verdict = await gate.admit(job, token, payload, info);
    if (verdict.action === 'answer') return verdict.result;
    if (verdict.action === 'wait') throw new WaitingError();
    try {
      const final = await runEgress(job, payload, info);
      return encodeWorkerStatus(final);
    } finally {
      gate.release(payload.egressId);
      warmPool?.refill();
    }
  }

  async function runEgress(
    job: Job<JobPayload, WorkerStatusMessage>,
    payload: JobPayload,
    initial: EgressInfo,
  ): Promise<EgressInfo> {
    const egressId = payload.egressId;
    const elog = log.child({ egressId });
    const tmpDir = join(tmpRoot, egressId);
    await mkdir(tmpDir, { recursive: true });
    let info = initial;
    let outputs: OutputsMessage | undefined;
    let final: EgressInfo | undefined;
    let progress: Promise<unknown> = Promise.resolve();
    const replies = new Map<string, string>();
    const pending = new Map<string, ControlMessage>();
    let child: ChildProcess | undefined;

    handlers.set(egressId, (message) => {
      const known = replies.get(message.requestId);
      if (known !== undefined) {
        void commands.publish(message.replyTo, known).catch(() => {});
        return;
      }
      if (pending.has(message.requestId)) return; // the bridge repeats until it gets a reply
      pending.set(message.requestId, message);
      if (child?.connected) child.send({ type: 'control', message });
    });
    const channel = egressControlChannel(egressId);
    await subscriber.subscribe(channel);
    const takenAtMs = Date.now();
    let killError: EgressError | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    killables.set(egressId, {
      cpuCost: payload.cpuCost,
      end: (endReason) => {
        if (child?.connected) child.send({ type: 'end', endReason });
      },
      // Go's KillEgress: the child ends FAILED after EOS and uploads; if it does not exit in
      // time its processes are SIGKILLed and the crash-safe file is uploaded from here
      kill: (error) => {
        if (killError) return;
        killError = error;
        if (child?.connected) child.send({ type: 'kill', error: error.toJSON() });
        killTimer = setTimeout(() => killProcessGroups(groups.get(egressId) ?? []), killDeadlineMs);
      },
    });

    /** Runs the job in `child`: relays its messages, sends `start` and what came before. */
    const startChild = (next: ChildProcess, knownGroups: number[], isWarm: boolean) => {
      child = next;
      const egressGroups = next.pid !== undefined ? [next.pid] : [];
      for (const pgid of knownGroups) if (!egressGroups.includes(pgid)) egressGroups.push(pgid);
      groups.set(egressId, egressGroups);
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
        (resolve) => next.once('exit', (code, signal) => resolve({ code, signal })),
      );
      let resolveAccepted: (isAccepted: boolean) => void = () => {};
      const accepted = new Promise<boolean>((resolve) => {
        resolveAccepted = resolve;
      });
      // a warm process that is closing (its browser died) drops the channel first
      next.once('disconnect', () => resolveAccepted(false));
      void exited.then(() => resolveAccepted(false));
      next.on('message', (message: ChildMessage) => {
        switch (message.type) {
          case 'accepted':
            resolveAccepted(true);
            break;
          case 'status': {
            const wasActive = info.status === EgressStatus.EGRESS_ACTIVE;
            info = egressInfoFromJson(message.info);
            progress = progress
              .then(() => job.updateProgress(encodeWorkerStatus(info)))
              .catch((err: unknown) => elog.warn({ err }, 'could not report progress'));
            if (!wasActive && info.status === EgressStatus.EGRESS_ACTIVE) {
              const activeAtMs = Date.now();
              elog.info({ isWarm, durationMs: activeAtMs - takenAtMs }, 'egress started');
              options.onEgressActive?.({ egressId, isWarm, takenAtMs, activeAtMs });
              warmPool?.refill(); // after the start it would compete with
            }
            break;
          }
          case 'reply': {
            const replyTo = pending.get(message.requestId)?.replyTo;
            pending.delete(message.requestId);
            replies.set(message.requestId, message.reply);
            if (replyTo) void commands.publish(replyTo, message.reply).catch(() => {});
            break;
          }
          case 'outputs':
            outputs = message;
            break;
          case 'process-groups':
            for (const pgid of message.pgids) {
              if (!egressGroups.includes(pgid)) egressGroups.push(pgid);
            }
            break;
          case 'final':
            final = egressInfoFromJson(message.info);
            break;
        }
      });
      const start: StartMessage = { type: 'start', payload, config, tmpDir, mediaSource };
      // a callback, so a channel that closed meanwhile is an exit to handle, not an 'error' event
      const onSent = (err: Error | null) => {
        if (err) elog.debug({ err }, 'egress process channel closed');
      };
      next.send(start, onSent);
      // control messages that came before the child had the job
      for (const message of pending.values()) next.send({ type: 'control', message }, onSent);
      return { exited, accepted, egressGroups };
    };

    try {
      const warm = takeWarm(payload, initial);
      let run = warm ? startChild(warm.child, [...warm.pgids], true) : undefined;
      if (run && !(await run.accepted)) {
        elog.warn({ warmId: warm?.warmId }, 'warm egress process died before it took the job');
        // it closes its browser, display and sink on its own; what it leaves goes after
        const dead = run;
        void dead.exited.then(() => killProcessGroups(dead.egressGroups));
        run = undefined;
      }
      run ??= startChild(forkEgressProcess(), [], false);
      const { egressGroups } = run;
      const { code, signal } = await run.exited;
      clearTimeout(killTimer);
      groups.delete(egressId);
      killProcessGroups(egressGroups);
      await progress;
      for (const [requestId, { replyTo }] of pending) {
        const reply = encodeControlReplyError(
          requestId,
          EgressError.internal('egress process exited before it answered'),
        );
        await commands.publish(replyTo, reply).catch(() => {});
      }
      if (final) return final;
      const how = signal ? `signal ${signal}` : `code ${String(code)}`;
      if (!killError) elog.error({ code, signal }, 'egress process exited unexpectedly');
      // also when it reported a final status: it may have died before its uploads
      info = await salvage(info, outputs, payload, elog);
      if (isFinalStatus(info.status)) return info;
      if (killError) {
        // Go's end reason of a kill, unless a graceful stop ("CPU exhausted") set one first
        return markFailed(info, killError, info.details ? {} : { endReason: END_REASONS.killed });
      }
      return markFailed(info, EgressError.internal(`egress process exited unexpectedly (${how})`));
    } finally {
      clearTimeout(killTimer);
      killables.delete(egressId);
      watchdog.ended(egressId);
      handlers.delete(egressId);
      groups.delete(egressId);
      await subscriber.unsubscribe(channel).catch(() => {});
    }
  }

  /** Uploads what a dead egress left: the fragmented MP4 plays up to its last fragment. */
  async function salvage(
    info: EgressInfo,
    outputs: OutputsMessage | undefined,
    payload: JobPayload,
    elog: Logger,
  ): Promise<EgressInfo> {
    const file = outputs?.file;
    if (!file) return info;
    try {
      if ((await stat(file.localPath)).size === 0) return info;
    } catch {
      return info; // it died before GStreamer wrote anything
    }
    try {
      const egress = validateRequest(decodeJobRequest(payload), { retryCount: info.retryCount });
      const uploader = createOutputUploader({
        config,
        upload: egress.file?.upload ?? egress.requestUpload,
        logger: elog,
      });
      const res = await uploader.upload({
        localPath: file.localPath,
        storagePath: file.storagePath,
      });
      const next = info.clone();
      const result = next.fileResults[0];
      if (result) {
        const endNs = msToNs(Date.now());
        result.filename = file.storagePath;
        result.location = res.location;
        result.size = BigInt(res.sizeBytes);
        result.endedAt = endNs;
        if (result.startedAt > 0n) result.duration = endNs - result.startedAt;
      }
      next.backupStorageUsed = uploader.backupStorageUsed;
      await rm(join(tmpRoot, payload.egressId), { recursive: true, force: true });
      elog.info({ location: res.location }, 'uploaded the file a dead egress left');
      return next;
    } catch (err) {
      elog.error({ err }, 'could not upload the file a dead egress left');
      return info;
    }
  }

  /** A ready warm process whose display fits the job, or none (then it starts cold). */
  function takeWarm(payload: JobPayload, info: EgressInfo): WarmProcess | undefined {
    if (!warmPool) return undefined;
    try {
      const egress = validateRequest(decodeJobRequest(payload), { retryCount: info.retryCount });
      return warmPool.take(displayFor(egress));
    } catch {
      // an invalid request fails in a new process, as without the pool: no warm one is spent
      return undefined;
    }
  }

  // Sinks of egress processes that died without closing them (SIGKILL) are unloaded after the
  // grace; the browser capture is the only user of sinks.
  const sinkReaper =
    mediaSource === 'web' && config.pulseSinkReapGraceMs !== null
      ? new PulseSinkReaper({ graceMs: config.pulseSinkReapGraceMs, logger: log })
      : undefined;
  sinkReaper?.start();

  await worker.waitUntilReady();
  void worker.run().catch((err: unknown) => log.error({ err }, 'worker stopped'));
  await capacity.publish().catch((err: unknown) => log.warn({ err }, 'could not publish capacity'));
  warmPool?.refill();
  log.info(
    { workerId, cpuTotal: admission.cpuTotal, warmPoolSize: warmPool ? config.warmPoolSize : 0 },
    'composite worker started',
  );

  let closing: Promise<void> | undefined;
  return {
    workerId,
    activeEgressIds: () => [...handlers.keys()],
    pidOf: (egressId) => groups.get(egressId)?.[0],
    processGroupsOf: (egressId) => [...(groups.get(egressId) ?? [])],
    cpuAvailable: () => admission.available(),
    warmProcesses: () => warmPool?.ready() ?? [],
    close: () => {
      closing ??= (async () => {
        gate.drain();
        await capacity.publish().catch(() => {});
        await warmPool?.close();
        log.info({ running: handlers.size }, 'draining: waiting for running egresses');
        try {
          await worker.close();
        } catch (err) {
          log.warn({ err }, 'worker close failed');
        }
        await capacity.close();
        await sinkReaper?.close();
        await Promise.allSettled([subscriber.quit(), commands.quit(), connection.quit()]);
      })();
      return closing;
    },
  };
}
