import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Config,
  controlReplyResult,
  type EgressRequest,
  egressCapacityKey,
  egressControlChannel,
  egressReplyChannel,
  encodeControlMessage,
  isFinalStatus,
  loadConfig,
  parseControlReply,
  parseWorkerCapacity,
  parseWorkerStatus,
  QUEUE_NAMES,
  requestTypeOf,
  type WorkerCapacity,
} from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { startTrackWorker, type TrackWorker, type TrackWorkerOptions } from '../track-worker.js';
import { type SfuHarness, startSfuHarness } from './sfu-harness.js';
import { testJob } from './test-job.js';

/** A track worker on real Redis, BullMQ and the test SFU, with the bridge's side played here. */
export interface TrackWorkerHarness extends SfuHarness {
  readonly worker: TrackWorker;
  readonly config: Config;
  /** `local_output_dir`: where recordings land without storage. */
  readonly outDir: string;
  /** Statuses each job reported as progress, in order. */
  readonly progress: Map<string, EgressStatus[]>;
  /** Enqueues a request as the bridge does (cost and deadline as given). */
  enqueue(
    request: EgressRequest,
    options?: { cpuCost?: number; startDeadlineMs?: number },
  ): Promise<{ egressId: string; job: Job }>;
  /** The final info of a job. */
  finished(job: Job): Promise<EgressInfo>;
  /** Waits until an egress reported ACTIVE (at most 30 s, less when it ends first); whether it did. */
  waitActive(egressId: string): Promise<boolean>;
  /** Sends StopEgress on the control channel and returns the reply's info. */
  stop(egressId: string): Promise<EgressInfo>;
  /** The worker's latest capacity report. */
  capacity(): Promise<WorkerCapacity>;
}

/** How long {@link TrackWorkerHarness.stop} waits for the egress's reply. */
const STOP_REPLY_MS = 30_000;

/**
 * Starts Redis (the runner's, `EGRESS_TEST_REDIS_URL`), the test SFU and a track worker with a
 * unique BullMQ prefix, and plays the bridge: enqueue, progress, stop, capacity.
 */
export async function startTrackWorkerHarness(
  workerOptions: Partial<TrackWorkerOptions> = {},
  configYaml: string[] = [],
): Promise<TrackWorkerHarness> {
  const prefix = `test-${randomUUID()}`;
  const redis: TestRedis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
  const base = await startSfuHarness('track-harness');
  const { sfu, dir: root, logger } = base;
  const outDir = join(root, 'out');
  const url = new URL(redis.url);
  const config = loadConfig(
    {
      EGRESS_CONFIG_BODY: [
        `api_key: ${base.apiKey}`,
        `api_secret: ${base.apiSecret}`,
        `ws_url: ${sfu.url}`,
        'redis:',
        `  address: ${url.hostname}:${url.port || '6379'}`,
        ...(url.pathname.length > 1 ? [`  db: ${Number(url.pathname.slice(1))}`] : []),
        `local_output_dir: ${outDir}`,
        ...configYaml,
      ].join('\n'),
    },
    { onWarning: () => undefined },
  );
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const eventsClient = client.duplicate();
  const queue = new Queue(QUEUE_NAMES.track, { connection: client, prefix });
  const events = new QueueEvents(QUEUE_NAMES.track, { connection: eventsClient, prefix });
  const progress = new Map<string, EgressStatus[]>();
  events.on('progress', ({ jobId, data }) => {
    const list = progress.get(jobId) ?? [];
    list.push(parseWorkerStatus(data).status);
    progress.set(jobId, list);
  });
  await events.waitUntilReady();
  const worker = await startTrackWorker({
    config,
    logger,
    prefix,
    tmpRoot: join(root, 'tmp'),
    trackWaitMs: 5000,
    cellIdleMs: 500,
    capacityIntervalMs: 250,
    ...workerOptions,
  });

  return {
    ...base,
    worker,
    config,
    outDir,
    progress,
    async enqueue(request, options = {}) {
      const { egressId, payload } = testJob(request, sfu.url, options);
      const job = await queue.add(requestTypeOf(request), payload, { jobId: egressId });
      return { egressId, job };
    },
    async finished(job) {
      return parseWorkerStatus(await job.waitUntilFinished(events, 120_000));
    },
    async waitActive(egressId) {
      for (let i = 0; i < 300; i++) {
        const seen = progress.get(egressId) ?? [];
        if (seen.includes(EgressStatus.EGRESS_ACTIVE)) return true;
        if (seen.some(isFinalStatus)) return false;
        await sleep(100);
      }
      return false;
    },
    async stop(egressId) {
      const requestId = randomUUID();
      const replyTo = egressReplyChannel(requestId);
      const sub = client.duplicate();
      try {
        await sub.subscribe(replyTo);
        const reply = once(sub, 'message');
        const message = encodeControlMessage({ type: 'stop', requestId, replyTo, egressId });
        let isReplied = false;
        // The egress subscribes when it starts: repeat until it answers (same request id).
        const republish = (async () => {
          while (!isReplied) {
            await client.publish(egressControlChannel(egressId), message);
            await sleep(250);
          }
        })();
        // An egress that already ended never answers: fail the test instead of hanging it.
        let timer: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no stop reply from ${egressId} in ${STOP_REPLY_MS} ms`)),
            STOP_REPLY_MS,
          );
        });
        const [, raw] = (await Promise.race([reply, gaveUp]).finally(() => {
          clearTimeout(timer);
          isReplied = true;
        })) as [string, string];
        await republish;
        return controlReplyResult(parseControlReply(raw));
      } finally {
        sub.disconnect();
      }
    },
    async capacity() {
      return parseWorkerCapacity(await client.get(egressCapacityKey('track', worker.workerId)));
    },
    async close() {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      client.disconnect();
      eventsClient.disconnect();
      await base.close();
      await redis.close();
    },
  };
}
