import { randomUUID } from 'node:crypto';
import { type Bridge, type StartBridgeOptions, startBridge } from '../bridge.js';
import { testLogger } from '../psrpc/testing/test-logger.js';
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
}

/**
 * Starts a bridge on `redisUrl` with a unique BullMQ prefix, the Twirp door on 127.0.0.1 (free
 * port), and short intervals so tests see sweeps and stalls quickly.
 */
export async function startTestBridge(
  redisUrl: string,
  options: TestBridgeOptions = {},
): Promise<TestBridge> {
  const { jobStartDeadlineMs, ...rest } = options;
  const prefix = `test-${randomUUID()}`;
  const bridge = await startBridge({
    config: testConfig(redisUrl, jobStartDeadlineMs === undefined ? {} : { jobStartDeadlineMs }),
    logger: testLogger(),
    queuePrefix: prefix,
    api: { host: '127.0.0.1', port: 0 },
    sweepIntervalMs: 250,
    stalledIntervalMs: 500,
    controlReplyTimeoutMs: 3000,
    ...rest,
  });
  return { bridge, prefix, url: `http://127.0.0.1:${bridge.apiPort}` };
}
