import { randomUUID } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import {
  type Config,
  type ControlMessage,
  decodeJobInfo,
  EgressError,
  egressCapacityKey,
  egressControlChannel,
  encodeControlReplyError,
  encodeWorkerStatus,
  type JobPayload,
  type Logger,
  type Pool,
  parseControlMessageOn,
  parseJobPayload,
  QUEUE_NAMES,
  type WorkerStatusMessage,
} from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import pTimeout from 'p-timeout';
import { type CapacityPublisher, startCapacityPublisher } from '../admission/capacity-publisher.js';
import { CpuAdmission } from '../admission/cpu-admission.js';
import { JobGate, poolWorkerOptions } from '../admission/job-gate.js';
import { CloseSteps } from '../close-steps.js';
import { createWorkerRedis, type WorkerRedis } from '../worker-redis.js';

/**
 * How long a close step that needs Redis waits when no egress runs: past it Redis counts as away
 * and the step gives up (the capacity report expires on its own), so SIGTERM ends an idle worker
 * within seconds whatever Redis does.
 */
const REDIS_CLOSE_WAIT_MS = 1000;

/** A unique worker id (`[A-Za-z0-9_.-]`): `<hostname>-<pid>-<random>`. */
export function defaultWorkerId(): string {
  return `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** One admitted egress, as {@link WorkerShellOptions.run} gets it. */
export interface AdmittedEgress {
  job: Job<JobPayload, WorkerStatusMessage>;
  payload: JobPayload;
  /** The STARTING info the job carries. */
  info: EgressInfo;
  /**
   * Reports a status change as job progress; reports go out in order, a failed one is logged
   * (the next report and the job's result still carry the latest info).
   */
  reportStatus(info: EgressInfo): void;
  /**
   * Sets how control messages reach the egress: each request (by `requestId`) is handled once
   * and its reply JSON published on its reply channel, repeats get the same reply.
   */
  onControl(handle: (message: ControlMessage) => Promise<string>): void;
}

/** Options of {@link WorkerShell}. */
export interface WorkerShellOptions {
  pool: Pool;
  config: Config;
  /** The pool's logger (its `component` set). */
  logger: Logger;
  /** BullMQ prefix; the bridge's `queuePrefix`. @defaultValue BullMQ's 'bull' */
  prefix?: string | undefined;
  /** Unique id of this worker (`[A-Za-z0-9_.-]`). @defaultValue {@link defaultWorkerId} */
  workerId?: string | undefined;
  /** Cores of the machine. @defaultValue os.availableParallelism() */
  cpuTotal?: number | undefined;
  /** How long a new egress counts at least its cost, milliseconds. @defaultValue CpuAdmission's */
  cpuPendingMs?: number | undefined;
  /** Most egresses run at once (BullMQ concurrency); CPU admission decides below it. */
  concurrency: number;
  /**
   * Fetch one job at a time (the concurrency follows the running egresses + 1), for a pool
   * whose jobs cost a lot to start. @defaultValue false
   */
  isFetchingOneAtATime?: boolean;
  /** The cheapest cost of the pool's request types: nothing is fetched while it does not fit. */
  minCost: number;
  /** How often CPU is measured and capacity published, milliseconds. @defaultValue 1000 */
  capacityIntervalMs?: number | undefined;
  /** TTL of the capacity key, milliseconds. @defaultValue 5000 */
  capacityTtlMs?: number | undefined;
  /** Measures the egresses' CPU into {@link WorkerShell.admission}, each capacity tick. */
  measure: () => Promise<void>;
  /** Ids for the capacity report. @defaultValue the admitted egresses */
  capacityEgressIds?: () => string[];
  /** Runs one admitted egress to its final info; should never reject. */
  run: (egress: AdmittedEgress) => Promise<EgressInfo>;
  /** Called after each run egress released its cost. */
  onReleased?: () => void;
}

/**
 * What both pool workers share around their egresses (Go's CPU rule and the bridge's job
 * contract): a BullMQ `Worker` on the pool's queue, {@link JobGate} admission by CPU cost, the
 * capacity report under `egress:capacity:<pool>:<workerId>`, control messages from each
 * egress's channel with replies on its reply channel, every status change as job progress and
 * the final info as the job's result. A payload that does not parse is BullMQ's
 * `UnrecoverableError` (its text the EgressError JSON the bridge reads). `close()` drains: no
 * new job, running egresses finish, then everything closes in reverse order of start.
 */
export class WorkerShell {
  readonly workerId: string;
  readonly admission: CpuAdmission;
  readonly #options: WorkerShellOptions;
  readonly #log: Logger;
  readonly #redis: WorkerRedis;
  readonly #worker: Worker<JobPayload, WorkerStatusMessage>;
  readonly #gate: JobGate;
  readonly #capacity: CapacityPublisher;
  readonly #closeSteps: CloseSteps;
  /** Control handlers of the running egresses. */
  readonly #controls = new Map<string, (message: ControlMessage) => void>();

  /** Opens the Redis connections and builds the shell; {@link start} takes jobs. */
  static async open(options: WorkerShellOptions): Promise<WorkerShell> {
    if (!options.config.redis) throw EgressError.invalidArgument('redis.address: required');
    const redis = await createWorkerRedis(options.config.redis, options.logger);
    return new WorkerShell(options, redis);
  }

  private constructor(options: WorkerShellOptions, redis: WorkerRedis) {
    this.#options = options;
    this.#log = options.logger;
    this.#redis = redis;
    this.workerId = options.workerId ?? defaultWorkerId();
    this.#closeSteps = new CloseSteps({ logger: this.#log });
    for (const [name, connection] of Object.entries(redis)) {
      this.#closeSteps.add(`redis ${name}`, async () => {
        // QUIT waits for Redis; a connection to a Redis that is away is dropped instead.
        await pTimeout(connection.quit(), { milliseconds: REDIS_CLOSE_WAIT_MS }).catch(() =>
          connection.disconnect(),
        );
      });
    }
    const { config } = options;
    this.admission = new CpuAdmission({
      cpuTotal: options.cpuTotal ?? availableParallelism(),
      maxCpuUtilization: config.cpuCost.maxCpuUtilization,
      ...(options.cpuPendingMs ? { pendingMs: options.cpuPendingMs } : {}),
    });
    redis.subscriber.on('message', (channel: string, raw: string) => {
      const message = parseControlMessageOn(channel, raw);
      if (message) this.#controls.get(message.egressId)?.(message);
    });
    this.#worker = new Worker<JobPayload, WorkerStatusMessage>(
      QUEUE_NAMES[options.pool],
      (job, token) => this.#process(job, token),
      poolWorkerOptions({
        connection: redis.connection,
        prefix: options.prefix,
        concurrency: options.concurrency,
      }),
    );
    // BullMQ reports a lost connection at every retry: logged once until the connection is back.
    let lastError = '';
    this.#worker.on('error', (err) => {
      if (err.message === lastError) return;
      lastError = err.message;
      this.#log.warn({ err }, 'worker error');
    });
    redis.connection.on('ready', () => {
      lastError = '';
    });
    this.#gate = new JobGate({
      admission: this.admission,
      minCost: options.minCost,
      worker: this.#worker,
      logger: this.#log,
      ...(options.isFetchingOneAtATime
        ? { concurrency: () => Math.max(1, this.#controls.size + 1) }
        : {}),
    });
    this.#capacity = startCapacityPublisher({
      redis: redis.commands,
      key: egressCapacityKey(options.pool, this.workerId),
      report: async () => {
        await options.measure();
        this.#gate.update();
        return this.#gate.capacity({
          workerId: this.workerId,
          pool: options.pool,
          ...(options.capacityEgressIds ? { activeEgressIds: options.capacityEgressIds() } : {}),
        });
      },
      logger: this.#log,
      intervalMs: options.capacityIntervalMs,
      ttlMs: options.capacityTtlMs,
    });
    this.#closeSteps.add('capacity', () =>
      pTimeout(this.#capacity.close(), { milliseconds: REDIS_CLOSE_WAIT_MS }),
    );
  }

  /** Whether {@link close} began: nothing new should start. */
  get isDraining(): boolean {
    return this.#gate.isDraining;
  }

  /** Ids of the egresses running here. */
  activeEgressIds(): string[] {
    return [...this.#controls.keys()];
  }

  /**
   * Adds a close step of the pool's own (run in reverse order of adding, after the steps added
   * later; see {@link close}).
   */
  addCloseStep(name: string, close: () => Promise<void> | void): void {
    this.#closeSteps.add(name, close);
  }

  /**
   * Takes jobs and publishes capacity. The close steps added before this run after the running
   * egresses ended; those added after it run before the shell waits for them.
   */
  async start(): Promise<void> {
    this.#closeSteps.add('worker', async () => {
      this.#log.info({ running: this.#controls.size }, 'draining: waiting for running egresses');
      // Not forced: running egresses finish (a stop still reaches them meanwhile). With none
      // running, a Redis that is away must not keep an idle worker from exiting.
      if (this.#controls.size > 0) await this.#worker.close();
      else await pTimeout(this.#worker.close(), { milliseconds: REDIS_CLOSE_WAIT_MS });
    });
    await this.#worker.waitUntilReady();
    void this.#worker.run().catch((err: unknown) => this.#log.error({ err }, 'worker stopped'));
    await this.#capacity
      .publish()
      .catch((err: unknown) => this.#log.warn({ err }, 'could not publish capacity'));
  }

  /**
   * Drains and closes: no new job is taken, the capacity report refuses every request type,
   * running egresses finish, then every step runs in reverse order of start, each even if an
   * earlier one failed (failures are logged). Idempotent.
   */
  close(): Promise<void> {
    if (!this.#gate.isDraining) {
      this.#gate.drain();
      this.#closeSteps.add('drain', async () => {
        await pTimeout(this.#capacity.publish(), { milliseconds: REDIS_CLOSE_WAIT_MS })
          // the report expires after its TTL anyway; until then the bridge may still pick us
          .catch((err: unknown) => this.#log.warn({ err }, 'could not publish draining'));
      });
    }
    return this.#closeSteps.close();
  }

  async #process(
    job: Job<JobPayload, WorkerStatusMessage>,
    token: string | undefined,
  ): Promise<WorkerStatusMessage> {
    let payload: JobPayload;
    let info: EgressInfo;
    try {
      payload = parseJobPayload(job.data);
      info = decodeJobInfo(payload);
    } catch (err) {
      // The bridge reads an EgressError as JSON from the failed reason (egress-state.ts).
      throw new UnrecoverableError(JSON.stringify(EgressError.from(err).toJSON()));
    }
    const verdict = await this.#gate.admit(job, token, payload, info);
    if (verdict.action === 'answer') return verdict.result;
    if (verdict.action === 'wait') throw new WaitingError();
    try {
      return encodeWorkerStatus(await this.#runAdmitted(job, payload, info));
    } finally {
      this.#gate.release(payload.egressId);
      this.#options.onReleased?.();
    }
  }

  async #runAdmitted(
    job: Job<JobPayload, WorkerStatusMessage>,
    payload: JobPayload,
    info: EgressInfo,
  ): Promise<EgressInfo> {
    const { egressId } = payload;
    const log = this.#log.child({ egressId });
    const { subscriber, commands } = this.#redis;
    let progress = Promise.resolve();
    const reportStatus = (next: EgressInfo) => {
      progress = progress
        .then(async () => void (await job.updateProgress(encodeWorkerStatus(next))))
        .catch((err: unknown) => log.warn({ err }, 'could not report progress'));
    };
    let handle: ((message: ControlMessage) => Promise<string>) | undefined;
    /** Replies by request id; `undefined` while the egress handles the request. */
    const replies = new Map<string, string | undefined>();
    const publishReply = async (replyTo: string, reply: string) => {
      try {
        await commands.publish(replyTo, reply);
      } catch (err) {
        // The bridge repeats the request until it gets a reply; the next repeat is answered.
        log.warn({ err, replyTo }, 'could not publish a control reply');
      }
    };
    this.#controls.set(egressId, (message) => {
      if (!handle) return; // the bridge repeats until the egress can answer
      const { requestId, replyTo } = message;
      if (replies.has(requestId)) {
        // A repeat gets the same reply; one while the first is handled waits for it.
        const known = replies.get(requestId);
        if (known !== undefined) void publishReply(replyTo, known);
        return;
      }
      replies.set(requestId, undefined);
      void handle(message)
        .catch((err: unknown) => encodeControlReplyError(requestId, EgressError.from(err)))
        .then((reply) => {
          replies.set(requestId, reply);
          return publishReply(replyTo, reply);
        });
    });
    const channel = egressControlChannel(egressId);
    try {
      await subscriber.subscribe(channel);
      const final = await this.#options.run({
        job,
        payload,
        info,
        reportStatus,
        onControl: (next) => {
          handle = next;
        },
      });
      await progress;
      return final;
    } finally {
      this.#controls.delete(egressId);
      await subscriber.unsubscribe(channel).catch((err: unknown) =>
        // A channel left subscribed only receives messages nobody handles any more.
        log.debug({ err }, 'could not unsubscribe from the control channel'),
      );
    }
  }
}
