import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@egress/protocol';
import { startHealthServer } from './health-server.js';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('startHealthServer', () => {
  it('answers 200 with the report when healthy', async () => {
    const server = await startHealthServer({
      port: 0,
      logger,
      report: async () => ({ isHealthy: true, redis: 'up' }),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/health`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { isHealthy: true, redis: 'up' });
    } finally {
      await server.close();
    }
  });

  it('answers 503 when unhealthy or when the report throws', async () => {
    let shouldThrow = false;
    const server = await startHealthServer({
      port: 0,
      logger,
      report: async () => {
        if (shouldThrow) throw new Error('boom');
        return { isHealthy: false, redis: 'down' };
      },
    });
    try {
      const unhealthy = await fetch(`http://127.0.0.1:${server.port}/`);
      assert.equal(unhealthy.status, 503);
      assert.equal(((await unhealthy.json()) as { redis: string }).redis, 'down');
      shouldThrow = true;
      const failed = await fetch(`http://127.0.0.1:${server.port}/health`);
      assert.equal(failed.status, 503);
      assert.deepEqual(await failed.json(), { isHealthy: false, error: 'health report failed' });
    } finally {
      await server.close();
    }
  });

  it('closes idempotently', async () => {
    const server = await startHealthServer({
      port: 0,
      logger,
      report: async () => ({ isHealthy: true }),
    });
    await Promise.all([server.close(), server.close()]);
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/`));
  });
});
