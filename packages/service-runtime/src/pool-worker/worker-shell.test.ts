import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  createEgressInfo,
  createLogger,
  EgressError,
  egressControlChannel,
  egressReplyChannel,
  encodeControlMessage,
  encodeControlReplyOk,
  encodeJobPayload,
  loadConfig,
  markActive,
  newEgressId,
  parseControlReply,
  parseWorkerStatus,
  QUEUE_NAMES,
} from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { EgressStatus, TrackEgressRequest } from '@livekit/protocol';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { WorkerShell, type WorkerShellOptions } from './worker-shell.js';

const logger = createLogger({ service: 'test', level: 'silent' });

// Real Redis and BullMQ: the shared Redis of the test run, a queue prefix of its own.
describe('WorkerShell', { timeout: 60_000 }, () => {
  let server: TestRedis;
  let redis: Redis;
  let queue: Queue;
  let events: QueueEvents;
  let eventsRedis: Redis;
  const prefix = `test-${randomUUID()}`;
  let config: ReturnType<typeof loadConfig>;

  before(async () => {
    server = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    const { hostname, port } = new URL(server.url);
    config = loadConfig(
      { EGRESS_CONFIG_BODY: `redis: { address: "${hostname}:${port}" }` },
      { onWarning: () => {} },
    );
    redis = new Redis(server.url, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE_NAMES.track, { connection: redis, prefix });
    eventsRedis = redis.duplicate();
    events = new QueueEvents(QUEUE_NAMES.track, { connection: eventsRedis, prefix });
    await events.waitUntilReady();
  });
  after(async () => {
    await queue?.obliterate({ force: true });
    await events?.close();
    await queue?.close();
    eventsRedis?.disconnect();
    redis?.disconnect();
    await server?.close();
  });

  const open = (run: WorkerShellOptions['run']) =>
    WorkerShell.open({
      pool: 'track',
      config,
      logger,
      prefix,
      concurrency: 2,
      minCost: 0,
      cpuTotal: 4,
      capacityIntervalMs: 60_000,
      measure: async () => {},
      run,
    });

  const payloadOf = (egressId: string) => {
    const request = { case: 'track' as const, value: new TrackEgressRequest({ roomName: 'r' }) };
    const info = createEgressInfo({ egressId, request, nowMs: Date.now() });
    return encodeJobPayload({
      request,
      info,
      wsUrl: 'ws://sfu',
      cpuCost: 1,
      startDeadlineMs: Date.now() + 60_000,
    });
  };

  it('fails a job whose payload does not parse for good, with the EgressError JSON', async () => {
    const shell = await open(async () => assert.fail('a bad payload never runs'));
    try {
      await shell.start();
      const job = await queue.add('track', { version: 99 }, { attempts: 3 });
      await assert.rejects(job.waitUntilFinished(events));
      const failed = await queue.getJob(job.id ?? '');
      assert.equal(failed?.attemptsMade, 1); // UnrecoverableError: no retry
      const error = EgressError.fromJSON(JSON.parse(failed?.failedReason ?? '{}'));
      assert.equal(error.code, 'invalid_argument');
    } finally {
      await shell.close();
    }
  });

  it('reports status as progress, answers a repeated control request once, ends with the final info', async () => {
    const egressId = newEgressId();
    let handled = 0;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const shell = await open(async (egress) => {
      const active = markActive(egress.info, { nowMs: Date.now() });
      egress.reportStatus(active);
      egress.onControl(async (message) => {
        handled += 1;
        return encodeControlReplyOk(message.requestId, active);
      });
      await released;
      return active;
    });
    const listener = redis.duplicate();
    try {
      await shell.start();
      const progress: string[] = [];
      events.on('progress', ({ jobId, data }) => {
        if (jobId === egressId) progress.push(JSON.stringify(data));
      });
      const job: Job = await queue.add('track', payloadOf(egressId), { jobId: egressId });
      while (shell.activeEgressIds().length === 0) await new Promise((r) => setTimeout(r, 20));

      const requestId = randomUUID();
      const replyTo = egressReplyChannel(requestId);
      await listener.subscribe(replyTo);
      const replies: string[] = [];
      listener.on('message', (_channel: string, reply: string) => replies.push(reply));
      const message = encodeControlMessage({ type: 'stop', requestId, replyTo, egressId });
      // the egress subscribes once its run starts: repeat, as the bridge does, until answered
      while (replies.length === 0) {
        await redis.publish(egressControlChannel(egressId), message);
        await new Promise((r) => setTimeout(r, 50));
      }
      await redis.publish(egressControlChannel(egressId), message);
      while (replies.length < 2) await new Promise((r) => setTimeout(r, 20));
      release();

      const result = parseWorkerStatus(await job.waitUntilFinished(events));
      assert.equal(EgressStatus[result.status], 'EGRESS_ACTIVE');
      assert.equal(handled, 1);
      assert.ok(replies.every((r) => parseControlReply(r).requestId === requestId));
      assert.ok(progress.length > 0, 'no progress reported');
    } finally {
      release();
      listener.disconnect();
      await shell.close();
    }
  });

  it('closes every step in reverse order even when one fails, once', async () => {
    const shell = await open(async (egress) => egress.info);
    const closed: string[] = [];
    shell.addCloseStep('before start', () => void closed.push('before start'));
    await shell.start();
    shell.addCloseStep('after start', () => {
      closed.push('after start');
      throw new Error('this step fails');
    });
    const closing = shell.close();
    assert.equal(shell.close(), closing);
    await closing;
    assert.deepEqual(closed, ['after start', 'before start']);
    assert.equal(shell.isDraining, true);
  });

  it('refuses a config without redis', async () => {
    const noRedis = { ...config, redis: undefined };
    await assert.rejects(
      WorkerShell.open({
        pool: 'track',
        config: noRedis,
        logger,
        concurrency: 1,
        minCost: 0,
        measure: async () => {},
        run: async (egress) => egress.info,
      }),
      /redis\.address: required/,
    );
  });
});
