import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { type EgressRequest, GO_MESSAGES, newEgressId, QUEUE_NAMES } from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import {
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  ListEgressRequest,
  RoomCompositeEgressRequest,
  UpdateStreamRequest,
} from '@livekit/protocol';
import { spawnTestWorker, type TestWorkerProcess } from '../testing/spawn-test-worker.js';
import { removeTestKeys, startTestBridge, type TestBridge } from '../testing/start-test-bridge.js';
import { TestWorker } from '../testing/test-worker.js';
import { waitForInfo } from '../testing/wait-for-info.js';
import { STALLED_MESSAGE, WORKER_FAILED_MESSAGE } from './egress-state.js';

const S = EgressStatus;

function roomComposite(): EgressRequest {
  return {
    case: 'roomComposite',
    value: new RoomCompositeEgressRequest({
      roomName: `room-${randomUUID()}`,
      fileOutputs: [
        new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/a.mp4' }),
      ],
    }),
  };
}

const isActive = (info: { status: EgressStatus }) => info.status === S.EGRESS_ACTIVE;

describe('EgressState', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(async () => {
    await redis?.close();
  });

  async function bridgeFor(options: Parameters<typeof startTestBridge>[1] = {}) {
    const test = await startTestBridge(redis.url, options);
    cleanups.push(() => removeTestKeys(redis.url, test.prefix));
    cleanups.push(() => test.close());
    return test;
  }

  async function workerFor(test: TestBridge, behavior: 'record' | 'throw' = 'record') {
    const worker = new TestWorker({
      redisUrl: redis.url,
      queue: QUEUE_NAMES.composite,
      prefix: test.prefix,
      behavior,
    });
    await worker.start();
    cleanups.push(() => worker.close());
    return worker;
  }

  async function workerProcessFor(test: TestBridge, lockDurationMs: number) {
    const worker: TestWorkerProcess = await spawnTestWorker({
      redisUrl: redis.url,
      queue: QUEUE_NAMES.composite,
      prefix: test.prefix,
      lockDurationMs,
    });
    cleanups.push(() => worker.kill());
    return worker;
  }

  it('aborts a job no worker started before its deadline, naming the pool', async () => {
    const test = await bridgeFor({ jobStartDeadlineMs: 500 });
    const started = await test.bridge.intake.start(roomComposite());
    const ended = await waitForInfo(
      test.bridge,
      started.egressId,
      (i) => i.status !== S.EGRESS_STARTING,
    );
    assert.equal(ended.status, S.EGRESS_ABORTED);
    assert.equal(
      ended.error,
      'no worker started the egress within 0.5 s: no capacity in the composite pool',
    );
    assert.equal(ended.errorCode, 412);
    // A worker that comes later finds nothing to run: the job was taken off the queue.
    const worker = await workerFor(test);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(worker.runningCount, 0);
  });

  it('aborts a queued egress on stop with Go\'s "Stop called before pipeline could start"', async () => {
    const test = await bridgeFor();
    const started = await test.bridge.intake.start(roomComposite());
    const stopped = await test.bridge.service.stop(started.egressId);
    assert.equal(stopped.status, S.EGRESS_ABORTED);
    assert.equal(stopped.error, GO_MESSAGES.stopBeforeStart);
    assert.equal(stopped.details, 'End reason: StopEgress API');
    // A worker that comes later finds nothing to run.
    const worker = await workerFor(test);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(worker.runningCount, 0);
  });

  it('refuses a second egress with the same id as already_exists', async () => {
    const test = await bridgeFor();
    const egressId = newEgressId();
    await test.bridge.intake.start(roomComposite(), { egressId });
    await assert.rejects(test.bridge.intake.start(roomComposite(), { egressId }), {
      code: 'already_exists',
    });
  });

  it('refuses new egresses once draining with Go\'s "server is shutting down"', async () => {
    const test = await bridgeFor();
    test.bridge.drain();
    await assert.rejects(test.bridge.intake.start(roomComposite()), {
      code: 'unavailable',
      message: GO_MESSAGES.shuttingDown,
    });
  });

  it('refuses to update the streams of an egress still waiting for a worker', async () => {
    const test = await bridgeFor();
    const started = await test.bridge.intake.start(roomComposite());
    await assert.rejects(
      test.bridge.service.updateStream(
        new UpdateStreamRequest({
          egressId: started.egressId,
          addOutputUrls: ['rtmp://x.example.com/live/k'],
        }),
      ),
      { code: 'failed_precondition' },
    );
  });

  it('fails an egress whose worker process was killed (stalled job)', async () => {
    const test = await bridgeFor();
    const worker = await workerProcessFor(test, 1000);
    const started = await test.bridge.intake.start(roomComposite());
    await waitForInfo(test.bridge, started.egressId, isActive);
    await worker.kill();
    const ended = await waitForInfo(
      test.bridge,
      started.egressId,
      (i) => i.status !== S.EGRESS_ACTIVE,
      // The bound. BullMQ needs two stall checks (5 s apart) after the lock expires.
      30_000,
    );
    assert.equal(ended.status, S.EGRESS_FAILED);
    assert.equal(ended.error, STALLED_MESSAGE);
    assert.equal(ended.errorCode, 500);
    const activeIds = (await test.bridge.service.list(new ListEgressRequest({ active: true })))
      .items;
    assert.deepEqual(activeIds, []);
  });

  it('answers deadline_exceeded when a running egress does not answer a stop', async () => {
    const test = await bridgeFor({ controlReplyTimeoutMs: 500, stalledIntervalMs: 60_000 });
    const worker = await workerProcessFor(test, 30_000);
    const started = await test.bridge.intake.start(roomComposite());
    await waitForInfo(test.bridge, started.egressId, isActive);
    await worker.kill();
    await assert.rejects(test.bridge.service.stop(started.egressId), {
      code: 'deadline_exceeded',
      message: `egress ${started.egressId} did not answer within 0.5 s`,
    });
  });

  it('fails an egress whose worker threw without a final status', async () => {
    const test = await bridgeFor();
    await workerFor(test, 'throw');
    const started = await test.bridge.intake.start(roomComposite());
    const ended = await waitForInfo(
      test.bridge,
      started.egressId,
      (i) => i.status === S.EGRESS_FAILED,
    );
    assert.equal(ended.error, WORKER_FAILED_MESSAGE);
  });

  it('ends an egress whose job failed while no bridge was listening, on the next sweep', async () => {
    const first = await bridgeFor();
    const started = await first.bridge.intake.start(roomComposite());
    await first.close();
    const worker = new TestWorker({
      redisUrl: redis.url,
      queue: QUEUE_NAMES.composite,
      prefix: first.prefix,
      behavior: 'throw',
    });
    cleanups.push(() => worker.close());
    await worker.start();
    const second = await bridgeFor({ queuePrefix: first.prefix });
    const ended = await waitForInfo(
      second.bridge,
      started.egressId,
      (i) => i.status === S.EGRESS_FAILED,
    );
    assert.equal(ended.error, WORKER_FAILED_MESSAGE);
  });
});
