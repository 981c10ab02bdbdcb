import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newEgressId, QUEUE_NAMES } from '@egress/protocol';
import { RpcStartEgressRequest } from '@egress/protocol/psrpc';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import {
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  RoomCompositeEgressRequest,
  UpdateStreamRequest,
  WebhookConfig,
} from '@livekit/protocol';
import { Redis } from 'ioredis';
import { type Bridge, startBridge } from './bridge.js';
import { NO_RESPONSE_MESSAGE } from './psrpc/psrpc-client.js';
import { FakeLivekitServer } from './psrpc/testing/fake-livekit-server.js';
import { testLogger } from './psrpc/testing/test-logger.js';
import { egressRequestOf, startPsrpcDoor } from './psrpc-door.js';
import { psrpcDoorAliveKey, psrpcOwnerKey } from './state/egress-store.js';
import { removeTestKeys } from './testing/start-test-bridge.js';
import { testConfig } from './testing/test-config.js';
import { TestWorker } from './testing/test-worker.js';
import { waitForInfo } from './testing/wait-for-info.js';

const S = EgressStatus;

function startRequest(
  egressId: string,
  roomName: string,
  fileOutputs = [
    new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/{room_name}.mp4' }),
  ],
): RpcStartEgressRequest {
  return new RpcStartEgressRequest({
    egressId,
    roomId: 'RM_test',
    request: {
      case: 'roomComposite',
      value: new RoomCompositeEgressRequest({ roomName, fileOutputs }),
    },
  });
}

describe('egressRequestOf', () => {
  const cases: { name: string; input: RpcStartEgressRequest; want: string | undefined }[] = [
    {
      name: 'keeps a room composite request',
      input: startRequest('EG_a', 'r'),
      want: 'roomComposite',
    },
    {
      name: 'refuses a replay request',
      input: new RpcStartEgressRequest({ request: { case: 'replay', value: {} as never } }),
      want: undefined,
    },
    { name: 'refuses a missing request', input: new RpcStartEgressRequest(), want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.want) {
        assert.equal(egressRequestOf(c.input).case, c.want);
      } else {
        assert.throws(() => egressRequestOf(c.input), { code: 'invalid_argument' });
      }
    });
  }
});

describe('startPsrpcDoor through startBridge', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let bridge: Bridge;
  let fake: FakeLivekitServer;
  let worker: TestWorker;
  const prefix = `test-${randomUUID()}`;
  const clusterId = `cluster-${randomUUID()}`;
  const ioInfoTopic = [`io-${randomUUID()}`];

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    const logger = testLogger();
    bridge = await startBridge({
      config: { ...testConfig(redis.url), clusterId },
      logger,
      queuePrefix: prefix,
      sweepIntervalMs: 250,
      stalledIntervalMs: 500,
      controlReplyTimeoutMs: 3000,
      ioInfoTopic,
    });
    fake = new FakeLivekitServer({ redis: redis.url, logger, ioInfoTopic });
    await fake.start();
    worker = new TestWorker({ redisUrl: redis.url, queue: QUEUE_NAMES.composite, prefix });
    await worker.start();
  });

  after(async () => {
    await fake?.close();
    await bridge?.close();
    await worker?.close();
    if (bridge) await removeTestKeys(redis.url, prefix);
    await redis?.close();
  });

  it('starts, lists, updates and stops an egress through psrpc, reporting it to IOInfo', async () => {
    const egressId = newEgressId();
    const roomName = `room-${randomUUID()}`;
    const started = await fake.startEgress(startRequest(egressId, roomName), { clusterId });
    assert.equal(started.egressId, egressId);
    assert.equal(started.status, S.EGRESS_STARTING);
    assert.equal(started.roomId, 'RM_test');
    assert.equal(fake.egressInfo(egressId)?.status, S.EGRESS_STARTING);

    await fake.waitForStatus(egressId, S.EGRESS_ACTIVE);
    const lists = await fake.listActiveEgress({ timeoutMs: 500 });
    const listed = lists.flatMap((r) => r.result?.egressIds ?? []);
    assert.ok(listed.includes(egressId), `${egressId} not in ${listed.join(',')}`);

    const url = 'rtmp://example.com/live/stream-key';
    const updated = await fake.updateStream(
      new UpdateStreamRequest({ egressId, addOutputUrls: [url] }),
    );
    assert.equal(updated.streamResults.length, 1);
    assert.equal(worker.runningCount, 1);

    const stopped = await fake.stopEgress(egressId);
    assert.equal(stopped.status, S.EGRESS_ENDING);
    const ended = await fake.waitForStatus(egressId, S.EGRESS_COMPLETE);
    assert.notEqual(ended.endedAt, 0n);

    const calls = fake.ioInfoCalls.filter((c) => c.info.egressId === egressId);
    assert.equal(calls[0]?.method, 'CreateEgress');
    assert.ok(calls.slice(1).every((c) => c.method === 'UpdateEgress'));
    assert.equal(calls.at(-1)?.info.status, S.EGRESS_COMPLETE);

    await waitForInfo(bridge, egressId, (info) => info.status === S.EGRESS_COMPLETE);
    // The handler topic is removed just after the final status is seen.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await assert.rejects(fake.stopEgress(egressId, { timeoutMs: 1000 }), {
      code: 'unavailable',
      message: NO_RESPONSE_MESSAGE,
    });
  });

  it('answers an invalid request with invalid_argument through psrpc', async () => {
    const request = startRequest(newEgressId(), `room-${randomUUID()}`, []);
    await assert.rejects(fake.startEgress(request, { clusterId }), { code: 'invalid_argument' });
  });

  it('stops an egress and answers the error when IOInfo.CreateEgress fails', async () => {
    // A second door on the same bridge, whose IOInfo topic nobody serves.
    const otherCluster = `cluster-${randomUUID()}`;
    const door = await startPsrpcDoor({
      bridge,
      // io_create_timeout (15 s by default) decides how soon the door gives up.
      config: { ...testConfig(redis.url), clusterId: otherCluster, ioCreateTimeoutMs: 500 },
      logger: testLogger(),
      ioInfoTopic: [`unserved-${randomUUID()}`],
    });
    try {
      const egressId = newEgressId();
      await assert.rejects(
        fake.startEgress(startRequest(egressId, `room-${randomUUID()}`), {
          clusterId: otherCluster,
        }),
        (err: unknown) => {
          assert.ok(err instanceof Error && 'code' in err);
          assert.ok(['unavailable', 'deadline_exceeded'].includes(String(err.code)), String(err));
          return true;
        },
      );
      const ended = await waitForInfo(bridge, egressId, (info) => info.endedAt !== 0n);
      assert.ok([S.EGRESS_ABORTED, S.EGRESS_COMPLETE].includes(ended.status));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await assert.rejects(fake.stopEgress(egressId, { timeoutMs: 1000 }), {
        message: NO_RESPONSE_MESSAGE,
      });
    } finally {
      await door.close();
    }
  });

  it('keeps serving a psrpc egress across a bridge restart: stop, final status to IOInfo', async () => {
    const restartPrefix = `test-${randomUUID()}`;
    const restartCluster = `cluster-${randomUUID()}`;
    const start = () =>
      startBridge({
        config: { ...testConfig(redis.url), clusterId: restartCluster },
        logger: testLogger(),
        queuePrefix: restartPrefix,
        api: { host: '127.0.0.1', port: 0 },
        sweepIntervalMs: 250,
        stalledIntervalMs: 500,
        controlReplyTimeoutMs: 3000,
        ioInfoTopic,
      });
    const restartWorker = new TestWorker({
      redisUrl: redis.url,
      queue: QUEUE_NAMES.composite,
      prefix: restartPrefix,
    });
    let first: Bridge | undefined;
    let second: Bridge | undefined;
    try {
      first = await start();
      await restartWorker.start();
      const egressId = newEgressId();
      const request = startRequest(egressId, `room-${randomUUID()}`);
      assert.equal(request.request.case, 'roomComposite');
      // The taken-over egress still reports the hook's signing key (read back from its job).
      request.request.value.webhooks = [
        new WebhookConfig({ url: 'http://127.0.0.1:9/hook', signingKey: 'other-api-key' }),
      ];
      await fake.startEgress(request, { clusterId: restartCluster });
      await fake.waitForStatus(egressId, S.EGRESS_ACTIVE);
      await first.close();
      first = undefined;

      second = await start();
      const lists = await fake.listActiveEgress({ timeoutMs: 500 });
      assert.ok(lists.flatMap((r) => r.result?.egressIds ?? []).includes(egressId));
      const stopped = await fake.stopEgress(egressId);
      assert.equal(stopped.status, S.EGRESS_ENDING);
      const ended = await fake.waitForStatus(egressId, S.EGRESS_COMPLETE);
      assert.notEqual(ended.endedAt, 0n);
      const calls = fake.ioInfoCalls.filter((c) => c.info.egressId === egressId);
      assert.equal(calls.at(-1)?.info.status, S.EGRESS_COMPLETE);
      assert.equal(calls.filter((c) => c.method === 'CreateEgress').length, 1);
      const last = calls.at(-1)?.info.request;
      assert.equal(last?.case, 'roomComposite');
      assert.equal(last.value.webhooks[0]?.signingKey, 'other-api-key');
    } finally {
      await first?.close();
      await second?.close();
      await restartWorker.close();
      await removeTestKeys(redis.url, restartPrefix);
    }
  });

  it('takes over the egresses of a door that died once its alive mark expires', async () => {
    const doomedCluster = `cluster-${randomUUID()}`;
    const doomed = await startPsrpcDoor({
      bridge,
      config: { ...testConfig(redis.url), clusterId: doomedCluster },
      logger: testLogger(),
      ioInfoTopic,
    });
    const egressId = newEgressId();
    const client = new Redis(redis.url);
    let heir: Awaited<ReturnType<typeof startPsrpcDoor>> | undefined;
    try {
      await fake.startEgress(startRequest(egressId, `room-${randomUUID()}`), {
        clusterId: doomedCluster,
      });
      await fake.waitForStatus(egressId, S.EGRESS_ACTIVE);
      // A crash: the door stops serving, but its alive mark stays until its TTL runs out.
      const ownerId = await client.get(psrpcOwnerKey(egressId));
      assert.ok(ownerId);
      await doomed.close();
      await client.set(psrpcDoorAliveKey(ownerId), '1', 'PX', 5000);
      heir = await startPsrpcDoor({
        bridge,
        config: { ...testConfig(redis.url), clusterId: `cluster-${randomUUID()}` },
        logger: testLogger(),
        ioInfoTopic,
        takeoverIntervalMs: 200,
      });
      await assert.rejects(fake.stopEgress(egressId, { timeoutMs: 500 }), {
        message: NO_RESPONSE_MESSAGE,
      });
      // Once the mark is gone, a door takes the egress over (this one, or the bridge's own).
      const deadline = Date.now() + 15_000;
      for (;;) {
        const owner = await client.get(psrpcOwnerKey(egressId));
        if (owner !== ownerId) break;
        assert.ok(Date.now() < deadline, 'nobody took the egress over');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const stopped = await fake.stopEgress(egressId);
      assert.equal(stopped.status, S.EGRESS_ENDING);
      await fake.waitForStatus(egressId, S.EGRESS_COMPLETE);
    } finally {
      await heir?.close();
      await doomed.close();
      client.disconnect();
    }
  });

  it('stops claiming StartEgress once drained', async () => {
    const otherCluster = `cluster-${randomUUID()}`;
    const door = await startPsrpcDoor({
      bridge,
      config: { ...testConfig(redis.url), clusterId: otherCluster },
      logger: testLogger(),
      ioInfoTopic,
    });
    try {
      door.drain();
      const request = startRequest(newEgressId(), `room-${randomUUID()}`);
      await assert.rejects(fake.startEgress(request, { clusterId: otherCluster }), {
        code: 'unavailable',
        message: NO_RESPONSE_MESSAGE,
      });
    } finally {
      await door.close();
    }
  });
});
