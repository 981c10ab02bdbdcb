import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { Redis } from 'ioredis';
import { startCapacityPublisher } from './capacity-publisher.js';

const logger = createLogger({ service: 'test', level: 'silent' });

// Real Redis: the shared one of the test run (unique keys), else a private one.
describe('startCapacityPublisher', () => {
  let server: TestRedis;
  let redis: Redis;
  before(async () => {
    server = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await server?.close();
  });

  it('stores the report with its ttl, refreshes it, and removes it on close', async () => {
    const key = `test:capacity:${randomUUID()}`;
    let reports = 0;
    const capacity = startCapacityPublisher({
      redis,
      key,
      report: async () => `report ${++reports}`,
      logger,
      intervalMs: 20,
      ttlMs: 60_000,
    });
    try {
      await capacity.publish();
      assert.match((await redis.get(key)) ?? '', /^report \d+$/);
      const ttlMs = await redis.pttl(key);
      assert.ok(ttlMs > 50_000 && ttlMs <= 60_000, `ttl ${ttlMs}`);
      const first = reports;
      for (let i = 0; i < 200 && reports <= first + 1; i++) await sleep(20);
      assert.ok(reports > first + 1, 'the ticks did not refresh the report');
    } finally {
      await capacity.close();
    }
    assert.equal(await redis.exists(key), 0);
    const closedAt = reports;
    await sleep(100);
    assert.equal(reports, closedAt, 'it went on after close');
  });
});
