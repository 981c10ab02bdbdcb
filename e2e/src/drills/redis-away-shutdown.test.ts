import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { findFreePort } from '@egress/service-runtime';
import { type AppProcess, startAppProcess } from '../demo/app-process.js';

// Drill: Redis goes away under an idle pool worker, then the worker gets SIGTERM. With no egress
// to drain it must exit (status 0) within 10 s whatever Redis does — before this it waited on
// Redis for ever — and log the lost connection once per connection, not at every retry.
const EXIT_DEADLINE_MS = 10_000;
const REDIS_AWAY_MS = 4000;

describe('drill: SIGTERM to an idle worker while Redis is away', () => {
  let redis: TestRedis | undefined;
  let app: AppProcess | undefined;

  after(async () => {
    await app?.stop(1000);
    await redis?.close();
  });

  for (const name of ['composite-worker', 'track-worker'] as const) {
    it(`${name}: exits 0 within 10 s and logs the loss once per connection`, async (t) => {
      redis = await startTestRedis({});
      const healthPort = await findFreePort();
      app = await startAppProcess({
        app: name,
        healthPort,
        configBody: [
          `redis: { address: "${new URL(redis.url).host}" }`,
          `health_port: ${healthPort}`,
          'warm_pool_size: 0',
        ].join('\n'),
      });
      await redis.close();
      redis = undefined;
      await sleep(REDIS_AWAY_MS);
      const sentAt = Date.now();
      process.kill(app.pid, 'SIGTERM');
      const code = await Promise.race([app.exited, sleep(EXIT_DEADLINE_MS, 'still running')]);
      t.diagnostic(`${name} exited ${code} after ${Date.now() - sentAt} ms`);
      assert.equal(code, 0, app.output().slice(-2000));
      const lost = app.output().match(/"msg":"redis connection lost"/g) ?? [];
      // one per connection: the service's own and the worker's three
      assert.ok(lost.length >= 1 && lost.length <= 4, `${lost.length} "connection lost" lines`);
      assert.doesNotMatch(app.output(), /"msg":"redis connection error"/);
      app = undefined;
    });
  }
});
