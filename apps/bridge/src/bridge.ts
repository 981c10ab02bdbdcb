import { type Config, EgressError, type Logger } from '@egress/protocol';
import type { ChannelPart } from '@egress/protocol/psrpc';
import { CloseSteps, connectRedis, createRedis } from '@egress/service-runtime';
import type { EgressInfo, WebhookConfig } from '@livekit/protocol';
import { TokenVerifier } from 'livekit-server-sdk';
import { ControlClient } from './control/control-client.js';
import { EgressService } from './egress-service.js';
import { EgressQueues } from './intake/egress-queues.js';
import { Intake } from './intake/intake.js';
import { BridgeOps, type OpsAddress } from './ops/bridge-ops.js';
import { PoolCapacity } from './ops/pool-capacity.js';
import { startPsrpcDoor } from './psrpc-door.js';
import { EgressState, type InfoListener } from './state/egress-state.js';
import { EgressStore } from './state/egress-store.js';
import { TwirpServer } from './twirp/twirp-server.js';
import { jobRequestWebhooks } from './webhooks/job-request-webhooks.js';
import { twirpEgressesOnly } from './webhooks/twirp-egresses-only.js';
import { WebhookNotifier } from './webhooks/webhook-notifier.js';

/** Options of {@link startBridge}. */
export interface StartBridgeOptions {
  /** The loaded config; `redis` is required. */
  config: Config;
  /** Root logger; the bridge logs through children. */
  logger: Logger;
  /** BullMQ key prefix; tests use a unique one per test. @defaultValue 'bull' */
  queuePrefix?: string;
  /**
   * Where the Twirp door listens, instead of `0.0.0.0:<api_port>` (where `api_port: 0` turns
   * the door off); here port 0 picks a free port. Tests use `{ host: '127.0.0.1', port: 0 }`.
   */
  api?: { host?: string; port: number };
  /** Largest Twirp request body, bytes. @defaultValue 1048576 */
  maxBodyBytes?: number;
  /** How long a worker has to answer stop / update requests, milliseconds. @defaultValue 10000 */
  controlReplyTimeoutMs?: number;
  /** How often running egresses are checked against their jobs, milliseconds. @defaultValue 5000 */
  sweepIntervalMs?: number;
  /** How often the stall watchdog runs, milliseconds. @defaultValue 5000 */
  stalledIntervalMs?: number;
  /** How long an ended egress stays listed, milliseconds. @defaultValue 86400000 */
  retentionMs?: number;
  /** Where `/health` listens instead of `health_port` (tests: `{ host: '127.0.0.1', port: 0 }`). */
  health?: OpsAddress;
  /** Where `/metrics` listens instead of `prometheus_port`. */
  prometheus?: OpsAddress;
  /** Go's `node_id` metric label. @defaultValue a new `NE_` id */
  nodeId?: string;
  /** Tests only: the IOInfo topic of the psrpc door (livekit-server uses none). @defaultValue [] */
  ioInfoTopic?: ChannelPart;
  /**
   * How long one read of the workers' capacity reports answers psrpc claims, milliseconds.
   * @defaultValue 500
   */
  capacityCacheMs?: number;
}

/** A running bridge. */
export interface Bridge {
  /** The Twirp door's port, or `undefined` when it is off. */
  readonly apiPort: number | undefined;
  /** The port of `/health` besides the API port, or `undefined` when `health_port` is 0. */
  readonly healthPort: number | undefined;
  /** The port of `/metrics` besides the API port, or `undefined` when `prometheus_port` is 0. */
  readonly metricsPort: number | undefined;
  /** Health, metrics and Bull Board (also mounted on the API port). */
  readonly ops: BridgeOps;
  /** Whether {@link Bridge.drain} was called. */
  readonly isDraining: boolean;
  /** The path both doors start egresses through (the psrpc door calls `intake.start`). */
  readonly intake: Intake;
  /** The `livekit.Egress` API (list, stop, update stream, update layout). */
  readonly service: EgressService;
  /** Stored state; `state.sweep()` runs one reconciliation pass (tests). */
  readonly state: EgressState;
  /** The workers' capacity reports, as the psrpc door's StartEgress affinity reads them. */
  readonly capacity: PoolCapacity;
  /** Stored EgressInfo and which egresses livekit-server started (psrpc door). */
  readonly store: EgressStore;
  /**
   * An egress's request webhooks as the request had them (signing keys included), read from its
   * job. @throws when the job is gone.
   */
  readonly requestWebhooksOf: (info: EgressInfo) => Promise<readonly WebhookConfig[]>;
  /**
   * Subscribes to every EgressInfo change (created, worker status, ended by the bridge): the
   * psrpc door's IOInfo reporter and webhooks listen here. Returns the unsubscribe function.
   */
  onInfoChanged(listener: InfoListener): () => void;
  /**
   * Refuses new egresses from now on: the psrpc door stops claiming StartEgress, and the intake
   * answers "server is shutting down"; the rest keeps working.
   */
  drain(): void;
  /** Closes everything in reverse order of creation; idempotent (same promise). */
  close(): Promise<void>;
}

/**
 * Starts the bridge's standalone parts: the Redis state of egresses, the BullMQ producers, the
 * state tracker (worker events, deadlines, dead workers), the control client, and the Twirp
 * door when `api_port` (or `api`) is set.
 * @throws invalid_argument when `redis` is missing, or the Twirp door is on without
 *   `api_key`/`api_secret`.
 * @throws when Redis cannot be reached.
 */
export async function startBridge(options: StartBridgeOptions): Promise<Bridge> {
  const { config, logger } = options;
  const redisConfig = config.redis;
  if (!redisConfig) throw EgressError.invalidArgument('redis: the bridge needs a redis block');
  const apiPort = options.api ? options.api.port : config.apiPort > 0 ? config.apiPort : undefined;
  if (apiPort !== undefined && (!config.apiKey || !config.apiSecret)) {
    throw EgressError.invalidArgument(
      'api_port: the Twirp API needs api_key and api_secret to check tokens; set them or set api_port to 0',
    );
  }

  const log = logger.child({ component: 'bridge' });
  // Every step runs even if one fails, in reverse order of start, once (CONVENTIONS §12).
  const closers = new CloseSteps({ logger: log });
  const close = (): Promise<void> => closers.close();

  try {
    const producer = createRedis(redisConfig, 'producer');
    producer.on('error', (err: unknown) => log.debug({ err }, 'redis connection error'));
    closers.add('redis', async () => void (await producer.quit()));
    await connectRedis(producer, redisConfig);
    const store = new EgressStore({
      redis: producer,
      // Bridges on other queue prefixes keep their own indexes (and never sweep ours).
      ...(options.queuePrefix && options.queuePrefix !== 'bull'
        ? { namespace: options.queuePrefix }
        : {}),
      ...(options.retentionMs ? { retentionMs: options.retentionMs } : {}),
    });
    const queues = new EgressQueues({
      connection: producer,
      ...(options.queuePrefix ? { prefix: options.queuePrefix } : {}),
      ...(options.retentionMs ? { keepFinishedMs: options.retentionMs } : {}),
    });
    closers.add('queues', () => queues.close());
    await queues.ready();

    const state = new EgressState({
      store,
      queues,
      connect: () => createRedis(redisConfig, 'worker'),
      logger,
      ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
      ...(options.stalledIntervalMs ? { stalledIntervalMs: options.stalledIntervalMs } : {}),
    });
    closers.add('state', () => state.close());
    await state.start();

    const control = new ControlClient({
      publisher: producer,
      subscriber: createRedis(redisConfig, 'worker'),
      logger,
      ...(options.controlReplyTimeoutMs ? { replyTimeoutMs: options.controlReplyTimeoutMs } : {}),
    });
    closers.add('control', () => control.close());

    const requestWebhooksOf = jobRequestWebhooks(queues);
    const webhooks = new WebhookNotifier({
      apiKey: config.webhook.apiKey || config.apiKey,
      apiSecret: config.apiSecret,
      // The bridge's key provider knows one key: a request webhook's signing_key must name it.
      secretOf: (key) => (key === config.apiKey ? config.apiSecret : undefined),
      urls: config.webhook.urls,
      resolveRequestWebhooks: requestWebhooksOf,
      logger,
    });
    const stopWebhooks = state.onInfoChanged(twirpEgressesOnly(store, webhooks.notify, logger));
    closers.add('webhooks', async () => {
      stopWebhooks();
      await webhooks.close();
    });

    let isDraining = false;
    const ops = new BridgeOps({
      config,
      redis: producer,
      queues,
      connect: () => createRedis(redisConfig, 'worker'),
      isDraining: () => isDraining,
      logger,
      ...(options.health ? { health: options.health } : {}),
      ...(options.prometheus ? { prometheus: options.prometheus } : {}),
      ...(options.nodeId ? { nodeId: options.nodeId } : {}),
    });
    closers.add('ops', () => ops.close());
    await ops.start();

    const intake = new Intake({ config, store, queues, state, logger });
    const service = new EgressService({ intake, store, queues, state, control });

    let boundPort: number | undefined;
    if (apiPort !== undefined) {
      const twirp = new TwirpServer({
        service,
        verifier: new TokenVerifier(config.apiKey, config.apiSecret),
        logger,
        port: apiPort,
        mounts: ops.mounts,
        ...(options.api?.host ? { host: options.api.host } : {}),
        ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
      });
      closers.add('twirp', () => twirp.close());
      boundPort = await twirp.listen();
    }
    closers.add('intake', async () => intake.drain());
    const capacity = new PoolCapacity({
      redis: producer,
      maxCpuUtilization: config.cpuCost.maxCpuUtilization,
      ...(options.capacityCacheMs === undefined ? {} : { cacheMs: options.capacityCacheMs }),
    });
    const door = await startPsrpcDoor({
      bridge: {
        intake,
        service,
        store,
        capacity,
        requestWebhooksOf,
        onInfoChanged: (listener) => state.onInfoChanged(listener),
      },
      config,
      logger,
      ...(options.ioInfoTopic ? { ioInfoTopic: options.ioInfoTopic } : {}),
    });
    closers.add('psrpc door', () => door.close());
    log.info(
      { apiPort: boundPort, healthPort: ops.healthPort, metricsPort: ops.metricsPort },
      'bridge started',
    );

    return {
      apiPort: boundPort,
      healthPort: ops.healthPort,
      metricsPort: ops.metricsPort,
      ops,
      get isDraining() {
        return isDraining;
      },
      intake,
      service,
      state,
      capacity,
      store,
      requestWebhooksOf,
      onInfoChanged: (listener) => state.onInfoChanged(listener),
      drain: () => {
        isDraining = true;
        door.drain();
        intake.drain();
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
