import { randomUUID } from 'node:crypto';
import {
  applyStop,
  type ControlMessage,
  decodeJobInfo,
  EgressError,
  END_REASONS,
  egressCapacityKey,
  egressControlChannel,
  encodeControlReplyError,
  encodeControlReplyOk,
  encodeWorkerCapacity,
  encodeWorkerStatus,
  isFinalStatus,
  type JobPayload,
  markAborted,
  markActive,
  markComplete,
  markFailed,
  msToNs,
  POOLS,
  type Pool,
  parseControlMessageOn,
  parseJobPayload,
  QUEUE_NAMES,
  type QueueName,
  REQUEST_TYPES,
  type RequestType,
  redactStreamUrl,
  type WorkerStatusMessage,
} from '@egress/protocol';
import { poolWorkerOptions } from '@egress/service-runtime';
import { type EgressInfo, EgressStatus, StreamInfo, StreamInfo_Status } from '@livekit/protocol';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/** What a {@link TestWorker} does with each job. */
export type TestWorkerBehavior =
  /** Goes ACTIVE, answers control messages, completes after a stop. */
  | 'record'
  /** Goes ACTIVE, then throws without reporting a final status. */
  | 'throw';

/** Options of {@link TestWorker}. */
export interface TestWorkerOptions {
  /** `redis://host:port[/db]`. */
  redisUrl: string;
  /** The queue it consumes. */
  queue: QueueName;
  /** BullMQ prefix, the bridge's `queuePrefix`. */
  prefix: string;
  /** BullMQ lock duration, milliseconds (short in stall tests). @defaultValue 30000 */
  lockDurationMs?: number;
  /** @defaultValue 'record' */
  behavior?: TestWorkerBehavior;
  /** Cores its capacity reports count (Go's `numCPU`). @defaultValue 16 */
  cpuTotal?: number;
  /** Config `cpu_cost.max_cpu_utilization`. @defaultValue 0.8 */
  maxCpuUtilization?: number;
  /** How often capacity is published, milliseconds. @defaultValue 1000 */
  capacityIntervalMs?: number;
  /** TTL of the capacity key, milliseconds. @defaultValue 5000 */
  capacityTtlMs?: number;
}

const DEADLINE_MESSAGE = 'the start deadline passed before this worker took the job';

/**
 * A stand-in for the real workers in bridge tests: consumes egress jobs with a real BullMQ
 * Worker and speaks the worker contract of `packages/protocol`: status changes as job progress
 * (worker status messages), stop / update-stream / update-layout answered on the egress's
 * control channel, the final status as the job's result. It refuses a job past its start
 * deadline (ABORTED) and a job whose earlier worker died (FAILED), as real workers must. Like
 * the track worker it publishes its capacity under `egress:capacity:<pool>:<workerId>` every
 * second (and at once on each change): all cores while idle, else Go's
 * `cpuTotal * max_cpu_utilization − Σ cost` of its running jobs; on close it reports that it
 * accepts nothing, then deletes the key.
 */
export class TestWorker {
  readonly #options: TestWorkerOptions;
  readonly #connection: Redis;
  readonly #subscriber: Redis;
  readonly #publisher: Redis;
  readonly #worker: Worker<JobPayload, WorkerStatusMessage>;
  readonly #running = new Map<string, (message: ControlMessage) => Promise<void>>();
  /** Reserved cost of each running job, cores. */
  readonly #costs = new Map<string, number>();
  readonly #pool: Pool;
  readonly #capacityKey: string;
  #capacityTimer: NodeJS.Timeout | undefined;
  /** The tail of the capacity writes: one at a time, so none lands after the key's removal. */
  #publishing: Promise<void> = Promise.resolve();
  #isDraining = false;
  #isGone = false;
  #closing: Promise<void> | undefined;
  /** Unique per instance, as a real worker's id. */
  readonly workerId = `test-worker-${randomUUID()}`;

  constructor(options: TestWorkerOptions) {
    this.#options = options;
    // Every queue is some pool's: QUEUE_NAMES maps each pool to its queue.
    this.#pool = POOLS.find((pool) => QUEUE_NAMES[pool] === options.queue) ?? 'composite';
    this.#capacityKey = egressCapacityKey(this.#pool, this.workerId);
    this.#connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#publisher = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#subscriber.on('message', (channel: string, raw: string) => {
      void this.#onControl(channel, raw);
    });
    this.#worker = new Worker<JobPayload, WorkerStatusMessage>(
      options.queue,
      (job) => this.#process(job),
      {
        // the pool workers' job contract, with a lock each test may shorten
        ...poolWorkerOptions({
          connection: this.#connection,
          prefix: options.prefix,
          concurrency: 8,
        }),
        lockDuration: options.lockDurationMs ?? 30_000,
      },
    );
  }

  /** Publishes its capacity, then starts taking jobs and publishing every interval. */
  async start(): Promise<void> {
    await this.#worker.waitUntilReady();
    await this.#publishCapacity();
    this.#capacityTimer = setInterval(() => {
      // A missed report only ages this worker out early; the next tick writes it again.
      this.#publishCapacity().catch(() => undefined);
    }, this.#options.capacityIntervalMs ?? 1000);
    void this.#worker.run().catch(() => undefined);
  }

  /** How many egresses it is running. */
  get runningCount(): number {
    return this.#running.size;
  }

  /** The ids of the egresses it is running. */
  get activeEgressIds(): string[] {
    return [...this.#running.keys()];
  }

  /** Closes without waiting for running egresses (they stay locked until the lock expires). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#isDraining = true;
      clearInterval(this.#capacityTimer);
      await this.#publishCapacity().catch(() => undefined);
      await this.#worker.close(true);
      this.#isGone = true;
      await this.#publishing;
      await this.#publisher.del(this.#capacityKey).catch(() => undefined);
      await Promise.allSettled([
        this.#connection.quit(),
        this.#subscriber.quit(),
        this.#publisher.quit(),
      ]);
    })();
    return this.#closing;
  }

  async #process(job: Job<JobPayload, WorkerStatusMessage>): Promise<WorkerStatusMessage> {
    const payload = parseJobPayload(job.data);
    let info = decodeJobInfo(payload);
    if (job.stalledCounter > 0) {
      return encodeWorkerStatus(
        markFailed(info, EgressError.internal('a previous worker of this egress died')),
      );
    }
    if (Date.now() > payload.startDeadlineMs) {
      return encodeWorkerStatus(markAborted(info, DEADLINE_MESSAGE));
    }
    const egressId = payload.egressId;
    this.#costs.set(egressId, payload.cpuCost);
    await this.#publishCapacity().catch(() => undefined);
    const finished = new Promise<EgressInfo>((resolve) => {
      const replies = new Map<string, string>();
      this.#running.set(egressId, async (message) => {
        const known = replies.get(message.requestId);
        if (known) {
          await this.#publisher.publish(message.replyTo, known);
          return;
        }
        let reply: string;
        try {
          info = this.#control(info, message);
          await job.updateProgress(encodeWorkerStatus(info));
          reply = encodeControlReplyOk(message.requestId, info);
        } catch (err) {
          reply = encodeControlReplyError(message.requestId, EgressError.from(err));
        }
        replies.set(message.requestId, reply);
        await this.#publisher.publish(message.replyTo, reply);
        if (isFinalStatus(info.status)) {
          resolve(info);
        } else if (info.status === EgressStatus.EGRESS_ENDING) {
          setTimeout(() => resolve(markComplete(info)), 50);
        }
      });
    });
    await this.#subscriber.subscribe(egressControlChannel(egressId));
    try {
      info = markActive(info);
      await job.updateProgress(encodeWorkerStatus(info));
      if (this.#options.behavior === 'throw') {
        throw new Error('test worker failed on purpose');
      }
      return encodeWorkerStatus(await finished);
    } finally {
      this.#running.delete(egressId);
      this.#costs.delete(egressId);
      await this.#publishCapacity().catch(() => undefined);
      await this.#subscriber.unsubscribe(egressControlChannel(egressId));
    }
  }

  #publishCapacity(): Promise<void> {
    const next = this.#publishing.then(() => (this.#isGone ? undefined : this.#write()));
    this.#publishing = next.catch(() => undefined); // the caller sees the failure
    return next;
  }

  // The track worker's report (apps/track-worker): reserved costs count in full.
  async #write(): Promise<void> {
    const cpuTotal = this.#options.cpuTotal ?? 16;
    const used = [...this.#costs.values()].reduce((sum, cost) => sum + cost, 0);
    const canAccept: Partial<Record<RequestType, boolean>> = {};
    if (this.#isDraining) for (const type of REQUEST_TYPES) canAccept[type] = false;
    const body = encodeWorkerCapacity({
      workerId: this.workerId,
      pool: this.#pool,
      cpuTotal,
      cpuAvailable:
        this.#costs.size === 0
          ? cpuTotal
          : cpuTotal * (this.#options.maxCpuUtilization ?? 0.8) - used,
      activeEgressIds: [...this.#costs.keys()],
      ...(this.#isDraining ? { canAccept } : {}),
      updatedAtMs: Date.now(),
    });
    await this.#publisher.set(this.#capacityKey, body, 'PX', this.#options.capacityTtlMs ?? 5000);
  }

  #control(info: EgressInfo, message: ControlMessage): EgressInfo {
    switch (message.type) {
      case 'stop':
        return applyStop(info, message.endReason ?? END_REASONS.api);
      case 'update-stream': {
        const next = info.clone();
        const nowNs = msToNs(Date.now());
        next.updatedAt = nowNs;
        for (const url of message.addOutputUrls) {
          next.streamResults.push(
            new StreamInfo({
              url: redactStreamUrl(url),
              status: StreamInfo_Status.ACTIVE,
              startedAt: nowNs,
            }),
          );
        }
        const removed = new Set(message.removeOutputUrls.map((url) => redactStreamUrl(url)));
        for (const stream of next.streamResults) {
          if (removed.has(stream.url) && stream.status === StreamInfo_Status.ACTIVE) {
            stream.status = StreamInfo_Status.FINISHED;
            stream.endedAt = nowNs;
          }
        }
        return next;
      }
      case 'update-layout': {
        const next = info.clone();
        if (next.request.case !== 'roomComposite') {
          throw EgressError.invalidArgument('only room composite egress has a layout');
        }
        next.request.value.layout = message.layout;
        next.updatedAt = msToNs(Date.now());
        return next;
      }
    }
  }

  async #onControl(channel: string, raw: string): Promise<void> {
    const message = parseControlMessageOn(channel, raw);
    if (message) await this.#running.get(message.egressId)?.(message);
  }
}
