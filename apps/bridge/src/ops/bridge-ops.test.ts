import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { egressCapacityKey, encodeWorkerCapacity, QUEUE_NAMES } from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { EgressStatus, EncodedFileOutput, EncodedFileType } from '@livekit/protocol';
import { Redis } from 'ioredis';
import { EgressClient } from 'livekit-server-sdk';
import { type Bridge, startBridge } from '../bridge.js';
import { testLogger } from '../psrpc/testing/test-logger.js';
import { removeTestKeys } from '../testing/start-test-bridge.js';
import { TEST_API_KEY, TEST_API_SECRET, testConfig } from '../testing/test-config.js';
import { TestWorker } from '../testing/test-worker.js';
import { waitForInfo } from '../testing/wait-for-info.js';
import type { BridgeHealth } from './health-report.js';
import { readLiveWorkers } from './live-workers.js';

const LOCAL = { host: '127.0.0.1', port: 0 };
const admin = { username: 'ops', password: `pw-${randomUUID()}` };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// The unique BullMQ prefix of each bridge a test starts, for its cleanup.
const prefixes = new WeakMap<Bridge, string>();

async function startOpsBridge(redisUrl: string, withAdmin: boolean): Promise<Bridge> {
  const prefix = `test-${randomUUID()}`;
  const bridge = await startBridge({
    config: { ...testConfig(redisUrl), admin: withAdmin ? admin : undefined },
    logger: testLogger(),
    queuePrefix: prefix,
    api: LOCAL,
    health: LOCAL,
    prometheus: LOCAL,
    nodeId: 'NE_test',
  });
  prefixes.set(bridge, prefix);
  return bridge;
}

function prefixOf(bridge: Bridge): string {
  const prefix = prefixes.get(bridge);
  assert.ok(prefix, 'a bridge started by startOpsBridge');
  return prefix;
}

function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [key, value] = line.split(' ');
    if (!key || value === undefined) continue;
    const bare = key.replace(/\{.*\}$/, '');
    if (bare === name && key.includes(labels)) return Number(value);
  }
  return undefined;
}

describe('readLiveWorkers', { timeout: 30_000 }, () => {
  let redis: TestRedis;
  let client: Redis;
  const ids = { fresh: `w-${randomUUID()}`, stale: `w-${randomUUID()}`, bad: `w-${randomUUID()}` };

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    client = new Redis(redis.url);
    const report = (workerId: string, updatedAtMs: number) =>
      encodeWorkerCapacity({
        workerId,
        pool: 'track',
        cpuTotal: 4,
        cpuAvailable: 4,
        activeEgressIds: [],
        updatedAtMs,
      });
    await client.set(
      egressCapacityKey('track', ids.fresh),
      report(ids.fresh, Date.now()),
      'EX',
      30,
    );
    await client.set(egressCapacityKey('track', ids.stale), report(ids.stale, 1000), 'EX', 30);
    await client.set(egressCapacityKey('track', ids.bad), '{"version":99}', 'EX', 30);
  });
  after(async () => {
    await client?.del(...Object.values(ids).map((id) => egressCapacityKey('track', id)));
    client?.disconnect();
    await redis?.close();
  });

  it('lists fresh reports of the pool, and skips stale and unreadable ones', async () => {
    const workerIds = (await readLiveWorkers(client, 'track')).map((w) => w.workerId);
    assert.ok(workerIds.includes(ids.fresh));
    assert.ok(!workerIds.includes(ids.stale));
    assert.ok(!workerIds.includes(ids.bad));
    const composite = (await readLiveWorkers(client, 'composite')).map((w) => w.workerId);
    assert.ok(!composite.includes(ids.fresh));
  });
});

describe('bridge operations endpoints', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let bridge: Bridge;
  let bare: Bridge;
  let worker: TestWorker;
  let client: Redis;
  const workerId = `w-${randomUUID()}`;

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    bridge = await startOpsBridge(redis.url, true);
    bare = await startOpsBridge(redis.url, false);
    client = new Redis(redis.url);
    await client.set(
      egressCapacityKey('composite', workerId),
      encodeWorkerCapacity({
        workerId,
        pool: 'composite',
        cpuTotal: 8,
        cpuAvailable: 8,
        activeEgressIds: [],
        updatedAtMs: Date.now() + 60_000, // stays fresh for the whole test
      }),
      'EX',
      60,
    );
  });
  after(async () => {
    await worker?.close();
    await client?.del(egressCapacityKey('composite', workerId));
    client?.disconnect();
    for (const b of [bridge, bare]) {
      if (!b) continue;
      await b.close();
      await removeTestKeys(redis.url, prefixOf(b));
    }
    await redis?.close();
  });

  const apiUrl = (b: Bridge, path: string) => `http://127.0.0.1:${b.apiPort}${path}`;

  it('answers /health with queues and live workers on the health port and the api port', async () => {
    for (const url of [`http://127.0.0.1:${bridge.healthPort}/health`, apiUrl(bridge, '/health')]) {
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = (await res.json()) as BridgeHealth;
      assert.equal(body.isHealthy, true);
      assert.equal(body.redis, 'up');
      assert.equal(body.isDraining, false);
      assert.equal(body.pools?.composite.queue, QUEUE_NAMES.composite);
      assert.equal(body.pools?.track.queue, QUEUE_NAMES.track);
      assert.ok((body.pools?.composite.liveWorkers ?? 0) >= 1);
      assert.equal(body.pools?.composite.jobs.waiting, 0);
    }
  });

  it('answers /metrics with go names, pool metrics and process metrics on both ports', async () => {
    for (const url of [
      `http://127.0.0.1:${bridge.metricsPort}/metrics`,
      apiUrl(bridge, '/metrics'),
    ]) {
      const res = await fetch(url);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.equal(metricValue(text, 'livekit_egress_available', 'node_id="NE_test"'), 1);
      assert.equal(metricValue(text, 'livekit_egress_can_accept_request'), 1);
      assert.equal(metricValue(text, 'livekit_egress_is_disabled'), 0);
      assert.equal(metricValue(text, 'livekit_egress_queue_depth', 'pool="composite"'), 0);
      assert.equal(metricValue(text, 'livekit_egress_jobs', 'state="waiting"'), 0);
      assert.equal(metricValue(text, 'livekit_egress_redis_up'), 1);
      assert.ok((metricValue(text, 'livekit_egress_live_workers', 'pool="composite"') ?? 0) >= 1);
      assert.match(text, /# TYPE livekit_egress_queue_wait_seconds histogram/);
      assert.match(text, /^process_cpu_user_seconds_total/m);
    }
  });

  it('counts queued jobs, then observes their wait time when a worker takes them', async () => {
    const egress = new EgressClient(apiUrl(bridge, ''), TEST_API_KEY, TEST_API_SECRET);
    const first = await egress.startRoomCompositeEgress(`room-${randomUUID()}`, {
      file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'a.mp4' }),
    });
    const health = (await (await fetch(apiUrl(bridge, '/health'))).json()) as BridgeHealth;
    assert.equal(health.pools?.composite.depth, 1);

    worker = new TestWorker({
      redisUrl: redis.url,
      queue: QUEUE_NAMES.composite,
      prefix: prefixOf(bridge),
    });
    await worker.start();
    await waitForInfo(bridge, first.egressId, (i) => i.status === EgressStatus.EGRESS_ACTIVE);
    let count: number | undefined;
    for (let i = 0; i < 50 && !count; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const text = await (await fetch(apiUrl(bridge, '/metrics'))).text();
      count = metricValue(text, 'livekit_egress_queue_wait_seconds_count', 'pool="composite"');
    }
    assert.equal(count, 1);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the probe is cached for 1 s
    const text = await (await fetch(apiUrl(bridge, '/metrics'))).text();
    assert.equal(metricValue(text, 'livekit_egress_requests', 'type="room_composite"'), 1);
    assert.equal(metricValue(text, 'livekit_egress_jobs', 'pool="composite",state="active"'), 1);
  });

  it('serves bull board with both queues only with the admin credentials', async () => {
    const url = apiUrl(bridge, '/admin/queues');
    assert.equal((await fetch(url)).status, 401);
    const wrong = await fetch(url, { headers: { Authorization: basic('ops', 'nope') } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic /);
    const page = await fetch(url, {
      headers: { Authorization: basic(admin.username, admin.password) },
    });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const api = await fetch(apiUrl(bridge, '/admin/queues/api/queues'), {
      headers: { Authorization: basic(admin.username, admin.password) },
    });
    assert.equal(api.status, 200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    assert.deepEqual(names.sort(), [QUEUE_NAMES.composite, QUEUE_NAMES.track].sort());
  });

  it('answers 404 on /admin/queues when no admin is configured', async () => {
    const res = await fetch(apiUrl(bare, '/admin/queues'), {
      headers: { Authorization: basic(admin.username, admin.password) },
    });
    assert.equal(res.status, 404);
  });

  it('reports draining in health and metrics after drain', async () => {
    bare.drain();
    const health = (await (await fetch(apiUrl(bare, '/health'))).json()) as BridgeHealth;
    assert.equal(health.isDraining, true);
    assert.equal(health.isHealthy, true);
    const text = await (await fetch(apiUrl(bare, '/metrics'))).text();
    assert.equal(metricValue(text, 'livekit_egress_is_disabled'), 1);
    assert.equal(metricValue(text, 'livekit_egress_available'), 0);
  });
});
