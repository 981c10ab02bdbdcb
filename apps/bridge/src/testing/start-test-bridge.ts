import { randomUUID } from 'node:crypto';
import { egressInfoKey } from '@egress/protocol';
import { Redis } from 'ioredis';
import { type Bridge, type StartBridgeOptions, startBridge } from '../bridge.js';
import { testLogger } from '../psrpc/testing/test-logger.js';
import { psrpcOwnerKey, storeKeys } from '../state/egress-store.js';
import { type TestConfigOptions, testConfig } from './test-config.js';

/** What {@link startTestBridge} takes besides the Redis URL. */
export type TestBridgeOptions = TestConfigOptions &
  Partial<Omit<StartBridgeOptions, 'config' | 'logger'>>;

/** A bridge for one test, with its unique queue prefix. */
export interface TestBridge {
  readonly bridge: Bridge;
  readonly prefix: string;
  /** `http://127.0.0.1:<port>` of its Twirp door. */
  readonly url: string;
  /** Closes the bridge (its Redis keys stay; see {@link removeTestKeys}). */
  close(): Promise<void>;
}

/**
 * Starts a bridge on `redisUrl` with a unique BullMQ prefix (unless `queuePrefix` is given), the
 * Twirp door on 127.0.0.1 (free port), and short intervals so tests see sweeps and stalls
 * quickly.
 */
export async function startTestBridge(
  redisUrl: string,
  options: TestBridgeOptions = {},
): Promise<TestBridge> {
  const { jobStartDeadlineMs, extraYaml, ...rest } = options;
  const prefix = options.queuePrefix ?? `test-${randomUUID()}`;
  const bridge = await startBridge({
    config: testConfig(redisUrl, {
      ...(jobStartDeadlineMs === undefined ? {} : { jobStartDeadlineMs }),
      ...(extraYaml === undefined ? {} : { extraYaml }),
    }),
    logger: testLogger(),
    api: { host: '127.0.0.1', port: 0 },
    sweepIntervalMs: 250,
    stalledIntervalMs: 500,
    controlReplyTimeoutMs: 3000,
    ...rest,
    queuePrefix: prefix,
  });
  return { bridge, prefix, url: `http://127.0.0.1:${bridge.apiPort}`, close: () => bridge.close() };
}

async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/**
 * Deletes what tests on `prefix` left in a shared Redis: the egress infos of its index, its
 * index keys and its BullMQ keys.
 */
export async function removeTestKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys = storeKeys(prefix);
    const ids = await redis.zrange(keys.index, '0', '-1');
    if (ids.length > 0) {
      await redis.del(...ids.map((id) => egressInfoKey(id)), ...ids.map(psrpcOwnerKey));
    }
    await redis.del(keys.index, keys.active);
    await deleteMatching(redis, `${keys.room('')}*`);
    await deleteMatching(redis, `${prefix}:*`);
  } finally {
    await redis.quit();
  }
}
