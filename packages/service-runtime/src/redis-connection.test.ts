import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '@egress/protocol';
import { connectRedis, createRedis, redisOptionsOf } from './redis-connection.js';

function redisBlock(yaml: string) {
  const config = loadConfig({ EGRESS_CONFIG_BODY: yaml }, { onWarning: () => {} });
  assert.ok(config.redis);
  return config.redis;
}

describe('redisOptionsOf', () => {
  const cases: { name: string; yaml: string; want: Record<string, unknown> }[] = [
    {
      name: 'maps a single address with db and credentials',
      yaml: 'redis: { address: "10.0.0.5:6380", db: 3, username: u, password: p }',
      want: { host: '10.0.0.5', port: 6380, db: 3, username: 'u', password: 'p' },
    },
    {
      name: 'defaults the port to 6379 when the address has none',
      yaml: 'redis: { address: "redis.internal" }',
      want: { host: 'redis.internal', port: 6379 },
    },
    {
      name: 'strips brackets from an IPv6 address',
      yaml: 'redis: { address: "[::1]:6381" }',
      want: { host: '::1', port: 6381 },
    },
    {
      name: 'turns use_tls into default TLS options',
      yaml: 'redis: { address: "h:1", use_tls: true }',
      want: { tls: {} },
    },
    {
      name: 'maps sentinels with the master name',
      yaml: 'redis: { sentinel_master_name: m, sentinel_addresses: ["s1:26379", "s2:26380"] }',
      want: {
        name: 'm',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const options = redisOptionsOf(redisBlock(c.yaml), 'worker') as Record<string, unknown>;
      for (const [key, value] of Object.entries(c.want)) assert.deepEqual(options[key], value, key);
    });
  }

  it('makes producers fail fast and workers wait', () => {
    const block = redisBlock('redis: { address: "h:1" }');
    const producer = redisOptionsOf(block, 'producer');
    const worker = redisOptionsOf(block, 'worker');
    assert.equal(producer.enableOfflineQueue, false);
    assert.equal(producer.maxRetriesPerRequest, 1);
    assert.equal(worker.maxRetriesPerRequest, null);
  });

  const bad: { name: string; yaml: string; want: RegExp }[] = [
    { name: 'a port out of range', yaml: 'redis: { address: "h:70000" }', want: /redis.address/ },
    {
      name: 'a port that is not a number',
      yaml: 'redis: { address: "h:x" }',
      want: /redis.address/,
    },
    {
      name: 'a bad sentinel address',
      yaml: 'redis: { sentinel_master_name: m, sentinel_addresses: [":1"] }',
      want: /redis.sentinel_addresses/,
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}, naming the key`, () => {
      assert.throws(() => redisOptionsOf(redisBlock(c.yaml), 'worker'), c.want);
    });
  }
});

describe('createRedis', () => {
  const url = process.env.EGRESS_TEST_REDIS_URL;
  it('connects to a real Redis and answers PING', {
    skip: !url && !process.env.CI && 'EGRESS_TEST_REDIS_URL not set (run through pnpm test)',
  }, async () => {
    assert.ok(url, 'EGRESS_TEST_REDIS_URL must be set under CI');
    const { hostname, port } = new URL(url);
    const redis = createRedis(redisBlock(`redis: { address: "${hostname}:${port}" }`), 'producer');
    try {
      await redis.connect();
      assert.equal(await redis.ping(), 'PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('makes a producer call fail fast when Redis is down', async () => {
    const redis = createRedis(redisBlock('redis: { address: "127.0.0.1:1" }'), 'producer');
    redis.on('error', () => {});
    try {
      await assert.rejects(redis.connect());
    } finally {
      redis.disconnect();
    }
  });
});

describe('connectRedis', () => {
  const url = process.env.EGRESS_TEST_REDIS_URL;
  const skip = !url && !process.env.CI && 'EGRESS_TEST_REDIS_URL not set (run through pnpm test)';

  function block(db: number) {
    assert.ok(url, 'EGRESS_TEST_REDIS_URL must be set under CI');
    const { hostname, port } = new URL(url);
    return redisBlock(`redis: { address: "${hostname}:${port}", db: ${db} }`);
  }

  it('uses the configured database', { skip }, async () => {
    const key = `connect-redis-test:${process.pid}`;
    const inDb = createRedis(block(7), 'producer');
    const inDefault = createRedis(block(0), 'producer');
    try {
      await connectRedis(inDb, block(7));
      await connectRedis(inDefault, block(0));
      await inDb.set(key, 'here', 'EX', 30);
      assert.equal(await inDefault.get(key), null);
      assert.equal(await inDb.get(key), 'here');
    } finally {
      inDb.disconnect();
      inDefault.disconnect();
    }
  });

  it('refuses a database the server does not have, naming the key', { skip }, async () => {
    const config = block(4000);
    const redis = createRedis(config, 'worker');
    redis.on('error', () => {});
    try {
      await assert.rejects(connectRedis(redis, config), (err: Error) => {
        assert.match(err.message, /^redis\.db: /);
        assert.doesNotMatch(err.message, /4000/);
        return true;
      });
    } finally {
      redis.disconnect();
    }
  });
});
