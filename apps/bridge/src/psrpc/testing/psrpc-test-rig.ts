import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import type { Logger } from '@egress/protocol';
import { RpcStartEgressRequest } from '@egress/protocol/psrpc';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import type { EgressInfo } from '@livekit/protocol';
import { PsrpcBus } from '../psrpc-bus.js';
import { PsrpcClient } from '../psrpc-client.js';
import { PsrpcServer } from '../psrpc-server.js';
import { FakeLivekitServer, type FakeLivekitServerOptions } from './fake-livekit-server.js';
import { RawRedisTap } from './raw-redis-tap.js';
import { testLogger } from './test-logger.js';

/** 32 hex characters no other test run uses: ids and topics stay apart on a shared Redis. */
export function uniqueId(): string {
  return randomUUID().replaceAll('-', '');
}

/** A psrpc topic of its own for one test. */
export function uniqueTopic(): string {
  return `test_${uniqueId()}`;
}

/** What a psrpc test suite starts, each closed by the suite's `after`. */
export interface PsrpcTestRig {
  readonly logger: Logger;
  /** The suite's Redis; only valid once its `before` has run. */
  readonly redisUrl: string;
  /** Closes `close` with the rest once the suite is done, last added first. */
  closeLater(close: () => Promise<void>): void;
  newBus(): Promise<PsrpcBus>;
  /** A started client on its own bus. */
  newClient(service: string, clientId?: string): Promise<PsrpcClient>;
  /** A server on its own bus, without methods yet. */
  newServer(service: string, serverId?: string): Promise<PsrpcServer>;
  newTap(): Promise<RawRedisTap>;
  newFake(options?: Omit<FakeLivekitServerOptions, 'redis' | 'logger'>): Promise<FakeLivekitServer>;
}

/**
 * Sets up the psrpc test Redis for the `describe` that calls it and hands out buses, clients,
 * servers, taps and fake livekit-servers on it, all closed, newest first, when the suite ends.
 */
export function psrpcTestRig(): PsrpcTestRig {
  const logger = testLogger();
  const closers: (() => Promise<void>)[] = [];
  let redis: TestRedis | undefined;

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await redis?.close();
  });

  const redisUrl = (): string => {
    if (!redis) throw new Error('psrpcTestRig: used before the suite started');
    return redis.url;
  };
  const closeLater = (close: () => Promise<void>): void => {
    closers.push(close);
  };
  /** Registers `thing` for closing, then starts it. */
  const started = async <T extends { start(): Promise<void>; close(): Promise<void> }>(
    thing: T,
  ): Promise<T> => {
    closeLater(() => thing.close());
    await thing.start();
    return thing;
  };
  const newBus = () => started(new PsrpcBus({ redis: redisUrl(), logger }));

  return {
    logger,
    get redisUrl() {
      return redisUrl();
    },
    closeLater,
    newBus,
    newClient: async (service, clientId) =>
      started(
        new PsrpcClient({
          bus: await newBus(),
          service,
          logger,
          ...(clientId ? { clientId } : {}),
        }),
      ),
    newServer: async (service, serverId) => {
      const bus = await newBus();
      const server = new PsrpcServer({ bus, service, logger, ...(serverId ? { serverId } : {}) });
      closeLater(() => server.close());
      return server;
    },
    newTap: () => started(new RawRedisTap(redisUrl())),
    newFake: (options = {}) =>
      started(new FakeLivekitServer({ redis: redisUrl(), logger, ...options })),
  };
}

/** What {@link serveStartEgress} registers. */
export interface StartEgressServing {
  /** The cluster id livekit-server sends StartEgress to. */
  clusterId: string;
  /** @defaultValue always 1 */
  affinity?: () => number | Promise<number>;
  handler: (request: RpcStartEgressRequest) => Promise<EgressInfo>;
}

/** Serves `EgressInternal.StartEgress` on `server` for one cluster, as the bridge does. */
export function serveStartEgress(server: PsrpcServer, serving: StartEgressServing): Promise<void> {
  return server.registerAffinityMethod({
    method: 'StartEgress',
    topic: [serving.clusterId],
    requestType: RpcStartEgressRequest,
    affinity: serving.affinity ?? (() => 1),
    handler: serving.handler,
  });
}
