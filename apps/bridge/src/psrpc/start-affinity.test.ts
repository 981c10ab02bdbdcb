import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  egressCapacityKey,
  encodeWorkerCapacity,
  newEgressId,
  parseWorkerCapacity,
  QUEUE_NAMES,
  type WorkerCapacity,
} from '@egress/protocol';
import {
  claimRequestChannel,
  decodeEnvelope,
  PSRPC_METHODS,
  PSRPC_SERVICES,
  PsrpcClaimRequest,
  RpcStartEgressRequest,
} from '@egress/protocol/psrpc';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import {
  EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  RoomCompositeEgressRequest,
  WebEgressRequest,
} from '@livekit/protocol';
import { Redis } from 'ioredis';
import { type Bridge, startBridge } from '../bridge.js';
import { PoolCapacity } from '../ops/pool-capacity.js';
import { startPsrpcDoor } from '../psrpc-door.js';
import { removeTestKeys } from '../testing/start-test-bridge.js';
import { testConfig } from '../testing/test-config.js';
import { TestWorker } from '../testing/test-worker.js';
import { waitForInfo } from '../testing/wait-for-info.js';
import { PsrpcBus } from './psrpc-bus.js';
import { NO_RESPONSE_MESSAGE } from './psrpc-client.js';
import { PsrpcServer } from './psrpc-server.js';
import { FakeLivekitServer } from './testing/fake-livekit-server.js';
import { RawRedisTap } from './testing/raw-redis-tap.js';
import { testLogger } from './testing/test-logger.js';

const S = EgressStatus;
// Capacity keys are one keyspace per Redis database, and other tests run workers beside these:
// this file owns database 13, so "no live worker" means none.
const REDIS_DB = 13;

function inDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

const file = () => [
  new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/{room_name}.mp4' }),
];

/** A room composite: 4 CPUs (Go's default cost), composite pool. */
function roomComposite(): RpcStartEgressRequest {
  return new RpcStartEgressRequest({
    egressId: newEgressId(),
    roomId: 'RM_test',
    request: {
      case: 'roomComposite',
      value: new RoomCompositeEgressRequest({
        roomName: `room-${randomUUID()}`,
        fileOutputs: file(),
      }),
    },
  });
}

/** An audio-only web egress: 1 CPU, composite pool. */
function audioWeb(): RpcStartEgressRequest {
  return new RpcStartEgressRequest({
    egressId: newEgressId(),
    request: {
      case: 'web',
      value: new WebEgressRequest({
        url: 'https://example.com/',
        audioOnly: true,
        fileOutputs: file(),
      }),
    },
  });
}

function report(workerId: string, fields: Partial<WorkerCapacity>): string {
  return encodeWorkerCapacity({
    workerId,
    pool: 'composite',
    cpuTotal: 8,
    cpuAvailable: 8,
    activeEgressIds: [],
    updatedAtMs: Date.now(),
    ...fields,
  });
}

describe('psrpc StartEgress affinity from pool capacity', { timeout: 120_000 }, () => {
  let redis: TestRedis;
  let url: string;
  let bridge: Bridge;
  let fake: FakeLivekitServer;
  let tap: RawRedisTap;
  let worker: TestWorker | undefined;
  const closers: (() => Promise<void>)[] = [];
  const prefix = `test-${randomUUID()}`;
  const clusterId = `cluster-${randomUUID()}`;
  const ioInfoTopic = [`io-${randomUUID()}`];
  const logger = testLogger();

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    url = inDb(redis.url, REDIS_DB);
    bridge = await startBridge({
      config: { ...testConfig(url, { jobStartDeadlineMs: 5000 }), clusterId },
      logger,
      queuePrefix: prefix,
      sweepIntervalMs: 250,
      stalledIntervalMs: 500,
      controlReplyTimeoutMs: 3000,
      ioInfoTopic,
      // Every claim reads the reports, so each test sees the workers it just changed.
      capacityCacheMs: 0,
    });
    fake = new FakeLivekitServer({ redis: url, logger, ioInfoTopic });
    await fake.start();
    tap = new RawRedisTap(url);
    await tap.start();
    await tap.tap(claimRequestChannel(PSRPC_SERVICES.egressInternal, fake.internalClientId));
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
    await worker?.close();
    await fake?.close();
    await tap?.close();
    await bridge?.close();
    if (bridge) await removeTestKeys(url, prefix);
    await redis?.close();
  });

  // The bridge's psrpc server id, learnt from its first claim, tells its claims from others'.
  let bridgeServerId = '';

  const claimChannel = () =>
    claimRequestChannel(PSRPC_SERVICES.egressInternal, fake.internalClientId);

  function seenClaims(): PsrpcClaimRequest[] {
    return tap.seen(claimChannel()).flatMap((m) => {
      const envelope = decodeEnvelope(m.payload);
      return envelope?.message instanceof PsrpcClaimRequest ? [envelope.message] : [];
    });
  }

  /**
   * Calls StartEgress as livekit-server does; returns its outcome and the claims made for it so
   * far (claims for earlier calls that arrive late are told apart by their request id).
   */
  async function startThroughFake(request: RpcStartEgressRequest, cluster = clusterId) {
    const earlier = new Set(seenClaims().map((c) => c.requestId));
    const result = await fake.startEgress(request, { clusterId: cluster }).then(
      (info) => ({ info, error: undefined }),
      (error: unknown) => ({ info: undefined, error }),
    );
    const claims = seenClaims().filter((c) => !earlier.has(c.requestId));
    return { ...result, claims };
  }

  /** Waits until the worker's last capacity report lists no running egress. */
  async function waitForIdleReport(w: TestWorker): Promise<void> {
    const client = new Redis(url);
    try {
      await waitUntilAsync(async () => {
        const raw = await client.get(egressCapacityKey('composite', w.workerId));
        return raw !== null && parseWorkerCapacity(JSON.parse(raw)).activeEgressIds.length === 0;
      });
    } finally {
      client.disconnect();
    }
  }

  it('claims 0.5 when only an idle worker can start it, as an idle Go server', async () => {
    worker = new TestWorker({ redisUrl: url, queue: QUEUE_NAMES.composite, prefix, cpuTotal: 8 });
    await worker.start();
    const request = roomComposite();
    const { info, claims } = await startThroughFake(request);
    assert.equal(info?.egressId, request.egressId);
    assert.deepEqual(
      claims.map((c) => c.affinity),
      [0.5],
    );
    bridgeServerId = claims[0]?.serverId ?? '';
    await fake.waitForStatus(request.egressId, S.EGRESS_ACTIVE, { timeoutMs: 15_000 });
  });

  it('claims nothing when the busy workers have no room: no response from servers', async () => {
    // The worker runs a 4-CPU room composite: 8 * 0.8 - 4 = 2.4 CPUs left.
    const { error, claims } = await startThroughFake(roomComposite());
    assert.deepEqual(claims, []);
    assert.ok(error instanceof Error);
    assert.equal(error.message, NO_RESPONSE_MESSAGE);
  });

  it('claims 1 when a busy worker has room for it, as a busy Go server', async () => {
    const request = audioWeb();
    const { info, claims } = await startThroughFake(request);
    assert.equal(info?.egressId, request.egressId);
    assert.deepEqual(
      claims.map((c) => c.affinity),
      [1],
    );
  });

  it('lets livekit-server pick the server with the higher affinity', async () => {
    // A competitor on the same topic that always claims 0.5: the busy pool (1) wins...
    const bus = new PsrpcBus({ redis: url, logger });
    await bus.start();
    const competitor = new PsrpcServer({ bus, service: PSRPC_SERVICES.egressInternal, logger });
    closers.push(async () => {
      await competitor.close();
      await bus.close();
    });
    const served: string[] = [];
    let competitorAffinity = 0.5;
    await competitor.registerAffinityMethod({
      method: PSRPC_METHODS.startEgress,
      topic: [clusterId],
      requestType: RpcStartEgressRequest,
      affinity: () => competitorAffinity,
      handler: async (request) => {
        served.push(request.egressId);
        return new EgressInfo({ egressId: request.egressId, details: 'competitor' });
      },
    });
    const first = await startThroughFake(audioWeb());
    assert.equal(first.info?.details, '');
    assert.deepEqual(served, []);

    // ...and a competitor claiming 1 wins over an idle pool's 0.5.
    assert.ok(worker);
    for (const id of worker.activeEgressIds) await fake.stopEgress(id);
    await waitForIdleReport(worker);
    competitorAffinity = 1;
    const second = await startThroughFake(roomComposite());
    assert.equal(second.info?.details, 'competitor');
    // The competitor's 1 is taken at once; the bridge's claim may come after the answer.
    const requestId = second.claims[0]?.requestId;
    await waitUntilAsync(async () =>
      seenClaims().some((c) => c.requestId === requestId && c.serverId === bridgeServerId),
    );
    const ours = seenClaims().filter(
      (c) => c.requestId === requestId && c.serverId === bridgeServerId,
    );
    assert.deepEqual(
      ours.map((c) => c.affinity),
      [0.5],
    );
    await competitor.close();
  });

  it('claims nothing when the worker refuses the request type (draining worker)', async () => {
    const workerId = `w-${randomUUID()}`;
    await worker?.close();
    worker = undefined;
    const client = new Redis(url);
    try {
      await client.set(
        egressCapacityKey('composite', workerId),
        report(workerId, { canAccept: { 'room-composite': false } }),
        'PX',
        5000,
      );
      const { error, claims } = await startThroughFake(roomComposite());
      assert.deepEqual(claims, []);
      assert.ok(error instanceof Error && error.message === NO_RESPONSE_MESSAGE);
    } finally {
      await client.del(egressCapacityKey('composite', workerId));
      client.disconnect();
    }
  });

  it('claims nothing when no worker of the pool is live', async () => {
    const { error, claims } = await startThroughFake(roomComposite());
    assert.deepEqual(claims, []);
    assert.ok(error instanceof Error && error.message === NO_RESPONSE_MESSAGE);
  });

  it('claims nothing while the bridge drains', async () => {
    const otherCluster = `cluster-${randomUUID()}`;
    worker = new TestWorker({ redisUrl: url, queue: QUEUE_NAMES.composite, prefix, cpuTotal: 8 });
    await worker.start();
    const door = await startPsrpcDoor({
      bridge,
      config: { ...testConfig(url), clusterId: otherCluster },
      logger,
      ioInfoTopic,
    });
    try {
      door.drain();
      const { error, claims } = await startThroughFake(roomComposite(), otherCluster);
      assert.deepEqual(claims, []);
      assert.ok(error instanceof Error && error.message === NO_RESPONSE_MESSAGE);
    } finally {
      await door.close();
      await worker.close();
      worker = undefined;
    }
  });

  it('claims with queued_start_affinity when no worker is live, and aborts at the deadline', async () => {
    const otherCluster = `cluster-${randomUUID()}`;
    const door = await startPsrpcDoor({
      bridge,
      config: { ...testConfig(url), clusterId: otherCluster, queuedStartAffinity: 0.1 },
      logger,
      ioInfoTopic,
    });
    try {
      const request = roomComposite();
      const { info, claims } = await startThroughFake(request, otherCluster);
      assert.equal(info?.status, S.EGRESS_STARTING);
      assert.ok(Math.abs((claims[0]?.affinity ?? 0) - 0.1) < 1e-6, String(claims[0]?.affinity));
      const ended = await waitForInfo(bridge, request.egressId, (i) => i.endedAt !== 0n, 30_000);
      assert.equal(ended.status, S.EGRESS_ABORTED);
      assert.match(ended.error, /no capacity in the composite pool/);
    } finally {
      await door.close();
    }
  });
});

describe('PoolCapacity', { timeout: 30_000 }, () => {
  let redis: TestRedis;
  let client: Redis;
  const workerId = `w-${randomUUID()}`;

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    client = new Redis(inDb(redis.url, REDIS_DB));
  });
  after(async () => {
    await client?.del(egressCapacityKey('track', workerId));
    client?.disconnect();
    await redis?.close();
  });

  it('counts a burst against one read: an idle worker becomes busy with less room', async () => {
    await client.set(
      egressCapacityKey('track', workerId),
      report(workerId, { pool: 'track', cpuTotal: 4, cpuAvailable: 4 }),
      'PX',
      5000,
    );
    const capacity = new PoolCapacity({ redis: client, cacheMs: 60_000 });
    const first = (await capacity.workers('track')).find((w) => w.workerId === workerId);
    assert.equal(first?.cpuAvailable, 4);
    await capacity.reserve('track', 'EG_a', 2, 'participant');
    // Nothing changed in Redis: the cached read now holds Go's busy figure, 4 * 0.8 - 2.
    const second = (await capacity.workers('track')).find((w) => w.workerId === workerId);
    assert.ok(Math.abs((second?.cpuAvailable ?? 0) - 1.2) < 1e-9, String(second?.cpuAvailable));
    assert.deepEqual(second?.activeEgressIds, ['EG_a']);
    const fresh = new PoolCapacity({ redis: client, cacheMs: 0 });
    const reread = (await fresh.workers('track')).find((w) => w.workerId === workerId);
    assert.equal(reread?.cpuAvailable, 4);
  });
});

async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
