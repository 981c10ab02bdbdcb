import {
  type Config,
  EgressError,
  type EgressRequest,
  isFinalStatus,
  type Logger,
} from '@egress/protocol';
import type { ChannelPart } from '@egress/protocol/psrpc';
import {
  PSRPC_METHODS,
  PSRPC_SERVICES,
  RpcListActiveEgressRequest,
  RpcListActiveEgressResponse,
  RpcStartEgressRequest,
} from '@egress/protocol/psrpc';
import { redisOptionsOf } from '@egress/service-runtime';
import {
  type EgressInfo,
  EgressStatus,
  ListEgressRequest,
  StopEgressRequest,
  UpdateStreamRequest,
  type WebhookConfig,
} from '@livekit/protocol';
import type { EgressService } from './egress-service.js';
import type { Intake } from './intake/intake.js';
import type { PoolCapacity } from './ops/pool-capacity.js';
import { IoInfoReporter, type IoInfoReporterOptions } from './psrpc/io-info-reporter.js';
import { withRequestSigningKeys } from './psrpc/io-info-signing-keys.js';
import { PsrpcBus } from './psrpc/psrpc-bus.js';
import { PsrpcClient } from './psrpc/psrpc-client.js';
import { PsrpcServer } from './psrpc/psrpc-server.js';
import { startAffinity, startPlanOf } from './psrpc/start-affinity.js';
import type { InfoListener } from './state/egress-state.js';
import type { EgressStore } from './state/egress-store.js';
import { requestWebhooks } from './webhooks/webhook-notifier.js';

/**
 * The parts of the bridge the psrpc door uses (`Bridge` has them all); declared here so that the
 * door does not import the bridge that starts it.
 */
export interface PsrpcDoorBridge {
  /** The path StartEgress goes through. */
  readonly intake: Intake;
  /** Stop, update stream and list, as the Twirp door serves them. */
  readonly service: EgressService;
  /** Which egresses livekit-server started. */
  readonly store: EgressStore;
  /** The workers' capacity reports, read by the StartEgress affinity. */
  readonly capacity: PoolCapacity;
  /** An egress's request webhooks, signing keys included. @throws when the job is gone. */
  readonly requestWebhooksOf: (info: EgressInfo) => Promise<readonly WebhookConfig[]>;
  /** Subscribes to every EgressInfo change; returns the unsubscribe function. */
  onInfoChanged(listener: InfoListener): () => void;
}

/** What {@link startPsrpcDoor} takes. */
export interface StartPsrpcDoorOptions {
  /** The bridge whose intake, service and info changes the door serves. */
  bridge: PsrpcDoorBridge;
  /**
   * `redis` (the bus; it must be livekit-server's database), `cluster_id` (the topic), and for
   * the StartEgress affinity `cpu_cost` and `queued_start_affinity`, and the IOInfo call
   * timeouts `io_create_timeout` and `io_update_timeout`.
   */
  config: Pick<
    Config,
    | 'redis'
    | 'clusterId'
    | 'cpuCost'
    | 'queuedStartAffinity'
    | 'ioCreateTimeoutMs'
    | 'ioUpdateTimeoutMs'
  >;
  /** Parent logger; the door logs through `logger.child({ component: 'psrpc-door' })`. */
  logger: Logger;
  /** A started bus to use (it is not closed by the door); one is made from `config.redis` when absent. */
  bus?: PsrpcBus;
  /**
   * Tests only: the IOInfo topic, so parallel tests on one Redis stay apart. livekit-server
   * serves IOInfo without a topic. @defaultValue []
   */
  ioInfoTopic?: ChannelPart;
  /** Backoff of the IOInfo reporter (its timeouts come from `config`); tests only. */
  ioInfo?: Omit<IoInfoReporterOptions, 'client' | 'logger' | 'topic'>;
  /**
   * How long the door's alive mark lasts without a refresh, milliseconds: after a crash, its
   * egresses wait this long for another door (or its restart) to take them over.
   * @defaultValue 10000
   */
  aliveTtlMs?: number;
  /** How often the door looks for psrpc egresses whose door is gone, milliseconds. @defaultValue 5000 */
  takeoverIntervalMs?: number;
}

/** A running psrpc door. */
export interface PsrpcDoor {
  /**
   * Stops claiming StartEgress (affinity -1, as a shutting-down Go server answers), so other
   * bridges take new egresses; everything else keeps working.
   */
  drain(): void;
  /** Stops serving, drops pending IOInfo updates and closes its bus (if it made it). Idempotent. */
  close(): Promise<void>;
}

// One egress this door serves; `isEnded` once its final status was seen, `hasReported` once a
// change of it was reported (so a takeover does not report an older stored info after it).
interface Accepted {
  isEnded: boolean;
  hasReported: boolean;
}

/** The request inside a StartEgress, or `undefined` when {@link egressRequestOf} refuses it. */
function usableRequestOf(request: RpcStartEgressRequest): EgressRequest | undefined {
  try {
    return egressRequestOf(request);
  } catch {
    // Refused requests are still claimed, so that the handler answers invalid_argument.
    return undefined;
  }
}

/**
 * The request inside livekit-server's `rpc.StartEgressRequest`, in our shape (the oneof cases
 * share their names).
 * @throws invalid_argument for a replay request (cloud only) or none at all.
 */
export function egressRequestOf(request: RpcStartEgressRequest): EgressRequest {
  const kind = request.request;
  switch (kind.case) {
    case 'roomComposite':
    case 'web':
    case 'participant':
    case 'trackComposite':
    case 'track':
    case 'egress':
      return kind;
    case 'replay':
      throw EgressError.invalidArgument(
        'request: replay export is a LiveKit Cloud feature; send a room composite, web, participant, track composite, track or egress request',
      );
    default:
      throw EgressError.invalidArgument(
        'request: no request set; send a room composite, web, participant, track composite, track or egress request',
      );
  }
}

/**
 * Starts the door livekit-server uses (psrpc over Redis, psrpc-wire.md §4-§5):
 * - `EgressInternal.StartEgress` on topic `cluster_id`, claimed with the affinity of the
 *   request's pool ({@link startAffinity}: from the live workers' capacity reports, no claim when
 *   none can start it, or `queued_start_affinity` then); each accepted egress is counted against
 *   the cached reports (`PoolCapacity.reserve`). Requests are validated after the claim,
 *   so an invalid one gets `invalid_argument`, as in Go.
 * - `EgressInternal.ListActiveEgress` (multi) with the egresses stored as active.
 * - for every egress it accepts: `EgressHandler.StopEgress` and `UpdateStream` on topic = egress
 *   id, registered before the StartEgress response goes out and removed at its final status;
 *   `IOInfo.CreateEgress` before the response (a failure stops the egress and is returned), and
 *   `IOInfo.UpdateEgress` on every later change (retried by {@link IoInfoReporter}).
 * - after {@link PsrpcDoor.drain}, no StartEgress claims (affinity -1).
 *
 * Only egresses livekit-server started are reported to IOInfo: those started through the Twirp
 * door are not livekit-server's, and with no livekit-server their updates would retry forever.
 * Each accepted egress is stored with the door's owner id (`egress:psrpc:<id>`), and the door
 * keeps an alive mark with a short TTL. A door whose mark is gone (closed, crashed, a bridge
 * restart) has its running egresses taken over by the next door that looks (at start, every
 * `takeoverIntervalMs`, and on any change of such an egress): it subscribes their handler
 * topics again and reports their latest stored info to IOInfo, then every change as before.
 */
export async function startPsrpcDoor(options: StartPsrpcDoorOptions): Promise<PsrpcDoor> {
  const { bridge, config } = options;
  const log = options.logger.child({ component: 'psrpc-door' });
  const redis = config.redis;
  if (!options.bus && (!redis || redis.clusterAddresses.length > 0)) {
    log.warn('psrpc door off: it needs a single-node or sentinel redis block');
    return { drain: () => {}, close: async () => {} };
  }
  let bus = options.bus;
  const ownsBus = !bus;
  if (!bus) {
    if (!redis) throw EgressError.invalidArgument('redis: the psrpc door needs a redis block');
    bus = new PsrpcBus({ redis: redisOptionsOf(redis, 'worker'), logger: options.logger });
    await bus.start();
  }
  const internal = new PsrpcServer({
    bus,
    service: PSRPC_SERVICES.egressInternal,
    logger: options.logger,
  });
  const handler = new PsrpcServer({
    bus,
    service: PSRPC_SERVICES.egressHandler,
    logger: options.logger,
  });
  const ioClient = new PsrpcClient({ bus, service: PSRPC_SERVICES.ioInfo, logger: options.logger });
  const reporter = new IoInfoReporter({
    client: ioClient,
    logger: options.logger,
    createTimeoutMs: options.config.ioCreateTimeoutMs,
    updateTimeoutMs: options.config.ioUpdateTimeoutMs,
    ...options.ioInfo,
    ...(options.ioInfoTopic ? { topic: options.ioInfoTopic } : {}),
  });
  const accepted = new Map<string, Accepted>();
  const store = bridge.store;
  const ownerId = internal.serverId;
  const aliveTtlMs = options.aliveTtlMs ?? 10_000;
  const takingOver = new Set<string>();
  // The request webhooks of each served egress that has signing keys (stored infos hide them).
  const signingHooks = new Map<string, readonly WebhookConfig[]>();
  const reportable = (info: EgressInfo): EgressInfo =>
    withRequestSigningKeys(info, signingHooks.get(info.egressId));
  let isDraining = false;
  let isClosed = false;

  const unregister = (egressId: string): void => {
    handler.unregisterTopic([egressId]).catch((err: unknown) => {
      log.warn({ err, egressId }, 'psrpc door could not unregister an egress');
    });
  };

  const registerHandlers = async (egressId: string): Promise<void> => {
    await handler.registerQueueMethod({
      method: PSRPC_METHODS.stopEgress,
      topic: [egressId],
      requestType: StopEgressRequest,
      handler: () => bridge.service.stop(egressId),
    });
    await handler.registerQueueMethod({
      method: PSRPC_METHODS.updateStream,
      topic: [egressId],
      requestType: UpdateStreamRequest,
      handler: (request) => {
        const update = request.clone();
        update.egressId = egressId;
        return bridge.service.updateStream(update);
      },
    });
  };

  const startEgress = async (request: RpcStartEgressRequest): Promise<EgressInfo> => {
    const egressRequest = egressRequestOf(request);
    const info = await bridge.intake.start(egressRequest, {
      ...(request.egressId ? { egressId: request.egressId } : {}),
      roomId: request.roomId,
      ...(request.token ? { token: request.token } : {}),
      ...(request.wsUrl ? { wsUrl: request.wsUrl } : {}),
      retryCount: request.retryCount,
      estimatedCpu: request.estimatedCpu,
      psrpcOwner: ownerId,
    });
    const egressId = info.egressId;
    const plan = startPlanOf(egressRequest, config.cpuCost, request.estimatedCpu);
    void bridge.capacity.reserve(plan.pool, egressId, plan.cost, plan.requestType);
    // No I/O ran since the intake announced the egress, so no change of it was missed here.
    const entry: Accepted = { isEnded: false, hasReported: false };
    accepted.set(egressId, entry);
    signingHooks.set(egressId, egressRequest.value.webhooks);
    try {
      // CreateEgress goes out first so that later updates wait for it (IoInfoReporter).
      const created = reporter.createEgress(reportable(info));
      await Promise.all([registerHandlers(egressId), created]);
    } catch (err) {
      accepted.delete(egressId);
      signingHooks.delete(egressId);
      unregister(egressId);
      await bridge.service.stop(egressId).catch((stopErr: unknown) => {
        log.warn({ err: stopErr, egressId }, 'psrpc door could not stop an unreported egress');
      });
      throw err;
    }
    if (entry.isEnded) unregister(egressId);
    log.info({ egressId }, 'psrpc egress accepted');
    return info;
  };

  // Serves an egress whose door is gone: its handler topics, and its latest stored info to
  // IOInfo (changes made while no door served it, a final status included, were not reported).
  const serveTakenOver = async (egressId: string): Promise<void> => {
    const entry: Accepted = { isEnded: false, hasReported: false };
    accepted.set(egressId, entry);
    const info = await store.get(egressId);
    if (info && requestWebhooks(info).some((hook) => hook.signingKey !== '')) {
      const hooks = await bridge.requestWebhooksOf(info).catch((err: unknown) => {
        // Reported without the keys: livekit-server then skips those hooks, nothing more.
        log.warn({ err, egressId }, 'request webhooks of a taken-over egress not read');
        return undefined;
      });
      if (hooks) signingHooks.set(egressId, hooks);
    }
    if (!info || isFinalStatus(info.status)) {
      accepted.delete(egressId);
    } else {
      await registerHandlers(egressId);
    }
    if (info && !entry.hasReported && info.status !== EgressStatus.EGRESS_STARTING) {
      reporter.updateEgress(reportable(info));
    }
    if (!accepted.has(egressId)) signingHooks.delete(egressId);
    if (entry.isEnded) unregister(egressId);
    log.info({ egressId, status: info?.status }, 'psrpc egress taken over');
  };

  // Takes an egress over when it is livekit-server's and its door is gone.
  const takeOverIfOrphaned = async (egressId: string): Promise<void> => {
    if (isClosed || accepted.has(egressId) || takingOver.has(egressId)) return;
    takingOver.add(egressId);
    try {
      const owner = await store.psrpcOwnerOf(egressId);
      // Not livekit-server's, or this door's own (accepted, or dropped on purpose when its
      // CreateEgress failed).
      if (owner === undefined || owner === ownerId) return;
      if (await store.isDoorAlive(owner)) return;
      if (!(await store.adoptPsrpc(egressId, owner, ownerId))) return;
      if (!isClosed) await serveTakenOver(egressId);
    } finally {
      takingOver.delete(egressId);
    }
  };

  const takeOverOrphans = async (): Promise<void> => {
    for (const egressId of await store.activeIds()) {
      await takeOverIfOrphaned(egressId).catch((err: unknown) => {
        // One egress's trouble must not stop the others; the next pass tries it again.
        log.warn({ err, egressId }, 'psrpc door could not take an egress over');
      });
    }
  };

  const unsubscribe = bridge.onInfoChanged((info) => {
    const entry = accepted.get(info.egressId);
    if (!entry) {
      void takeOverIfOrphaned(info.egressId).catch((err: unknown) => {
        log.warn({ err, egressId: info.egressId }, 'psrpc door could not take an egress over');
      });
      return;
    }
    // STARTING is what CreateEgress carries; Go's handler reports from ACTIVE on.
    if (info.status !== EgressStatus.EGRESS_STARTING) {
      entry.hasReported = true;
      reporter.updateEgress(reportable(info));
    }
    if (isFinalStatus(info.status)) {
      entry.isEnded = true;
      accepted.delete(info.egressId);
      signingHooks.delete(info.egressId);
      unregister(info.egressId);
    }
  });

  const markAlive = (): void => {
    store.markDoorAlive(ownerId, aliveTtlMs).catch((err: unknown) => {
      // Its egresses may be taken over by another door if this keeps failing; that is safe.
      log.warn({ err }, 'psrpc door could not refresh its alive mark');
    });
  };
  let aliveTimer: NodeJS.Timeout | undefined;
  let takeoverTimer: NodeJS.Timeout | undefined;

  try {
    await ioClient.start();
    await store.markDoorAlive(ownerId, aliveTtlMs);
    aliveTimer = setInterval(markAlive, Math.max(100, Math.floor(aliveTtlMs / 3)));
    await takeOverOrphans();
    takeoverTimer = setInterval(() => {
      void takeOverOrphans().catch((err: unknown) => {
        log.warn({ err }, 'psrpc door could not look for egresses to take over');
      });
    }, options.takeoverIntervalMs ?? 5000);
    await internal.registerMultiMethod({
      method: PSRPC_METHODS.listActiveEgress,
      topic: [''],
      requestType: RpcListActiveEgressRequest,
      handler: async () => {
        const list = await bridge.service.list(new ListEgressRequest({ active: true }));
        return new RpcListActiveEgressResponse({ egressIds: list.items.map((i) => i.egressId) });
      },
    });
    await internal.registerAffinityMethod({
      method: PSRPC_METHODS.startEgress,
      topic: [config.clusterId],
      requestType: RpcStartEgressRequest,
      affinity: (request) =>
        startAffinity(request, usableRequestOf(request), {
          capacity: bridge.capacity,
          costs: config.cpuCost,
          queuedStartAffinity: config.queuedStartAffinity,
          isDraining,
        }),
      handler: startEgress,
    });
  } catch (err) {
    isClosed = true;
    clearInterval(aliveTimer);
    clearInterval(takeoverTimer);
    unsubscribe();
    await Promise.allSettled([internal.close(), handler.close(), ioClient.close()]);
    if (ownsBus) await bus.close();
    throw err;
  }
  log.info({ clusterId: config.clusterId }, 'psrpc door started');

  let closing: Promise<void> | undefined;
  return {
    drain: () => {
      isDraining = true;
    },
    close: () => {
      closing ??= (async () => {
        isClosed = true;
        clearInterval(aliveTimer);
        clearInterval(takeoverTimer);
        unsubscribe();
        await Promise.allSettled([internal.close(), handler.close()]);
        // After its handlers stopped: the next door takes its egresses at once.
        await store.markDoorGone(ownerId).catch((err: unknown) => {
          log.warn({ err }, 'psrpc door could not remove its alive mark');
        });
        await reporter.close({ drainMs: 1000 });
        await ioClient.close();
        if (ownsBus) await bus.close();
      })();
      return closing;
    },
  };
}
