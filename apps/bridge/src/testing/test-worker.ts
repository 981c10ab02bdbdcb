import {
  applyStop,
  type ControlMessage,
  decodeJobInfo,
  EgressError,
  END_REASONS,
  egressControlChannel,
  encodeControlReplyError,
  encodeControlReplyOk,
  encodeWorkerStatus,
  isFinalStatus,
  type JobPayload,
  markAborted,
  markActive,
  markComplete,
  markFailed,
  msToNs,
  parseControlMessage,
  parseJobPayload,
  type QueueName,
  redactStreamUrl,
  type WorkerStatusMessage,
} from '@egress/protocol';
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
}

const DEADLINE_MESSAGE = 'the start deadline passed before this worker took the job';

/**
 * A stand-in for the real workers in bridge tests: consumes egress jobs with a real BullMQ
 * Worker and speaks the worker contract of `packages/protocol`: status changes as job progress
 * (worker status messages), stop / update-stream / update-layout answered on the egress's
 * control channel, the final status as the job's result. It refuses a job past its start
 * deadline (ABORTED) and a job whose earlier worker died (FAILED), as real workers must.
 */
export class TestWorker {
  readonly #options: TestWorkerOptions;
  readonly #connection: Redis;
  readonly #subscriber: Redis;
  readonly #publisher: Redis;
  readonly #worker: Worker<JobPayload, WorkerStatusMessage>;
  readonly #running = new Map<string, (message: ControlMessage) => Promise<void>>();
  #closing: Promise<void> | undefined;

  constructor(options: TestWorkerOptions) {
    this.#options = options;
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
        connection: this.#connection,
        prefix: options.prefix,
        concurrency: 8,
        lockDuration: options.lockDurationMs ?? 30_000,
        maxStalledCount: 0,
        autorun: false,
      },
    );
  }

  /** Starts taking jobs. */
  async start(): Promise<void> {
    await this.#worker.waitUntilReady();
    void this.#worker.run().catch(() => undefined);
  }

  /** How many egresses it is running. */
  get runningCount(): number {
    return this.#running.size;
  }

  /** Closes without waiting for running egresses (they stay locked until the lock expires). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#worker.close(true);
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
      await this.#subscriber.unsubscribe(egressControlChannel(egressId));
    }
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
    let message: ControlMessage;
    try {
      message = parseControlMessage(raw);
    } catch {
      // A malformed message cannot be answered: it names no reply channel we can trust.
      return;
    }
    if (egressControlChannel(message.egressId) !== channel) return;
    await this.#running.get(message.egressId)?.(message);
  }
}
