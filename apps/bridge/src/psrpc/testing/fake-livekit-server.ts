import { Empty } from '@bufbuild/protobuf';
import type { Logger } from '@egress/protocol';
import { EgressError } from '@egress/protocol';
import type {
  ChannelPart,
  RpcListActiveEgressResponse as ListActiveResponse,
} from '@egress/protocol/psrpc';
import {
  PSRPC_METHODS,
  PSRPC_SERVICES,
  RpcListActiveEgressRequest,
  RpcListActiveEgressResponse,
  type RpcStartEgressRequest,
} from '@egress/protocol/psrpc';
import {
  EgressInfo,
  type EgressStatus,
  StopEgressRequest,
  type UpdateStreamRequest,
} from '@livekit/protocol';
import type { RedisOptions } from 'ioredis';
import { PsrpcBus } from '../psrpc-bus.js';
import type { PsrpcMultiResult, PsrpcSelectionOptions } from '../psrpc-client.js';
import { FIRST_AVAILABLE, PsrpcClient } from '../psrpc-client.js';
import { PsrpcServer } from '../psrpc-server.js';

/**
 * livekit-server's selection for StartEgress (livekit/protocol rpc/egress_client.go): take an
 * affinity of 1 at once, else the best within 500 ms of the first claim, at most 1 s in all.
 */
export const START_EGRESS_SELECTION: Readonly<PsrpcSelectionOptions> = Object.freeze({
  maximumAffinity: 1,
  affinityTimeoutMs: 1000,
  shortCircuitMs: 500,
});

/** What {@link FakeLivekitServer} takes. */
export interface FakeLivekitServerOptions {
  /** The Redis the bridge uses (same database: queue locks are per database). */
  redis: string | RedisOptions;
  logger: Logger;
  /** Serve `IOInfo.CreateEgress` / `UpdateEgress` as every livekit-server node does. @defaultValue true */
  isServingIoInfo?: boolean;
  /**
   * Serve IOInfo on this topic instead of none, so parallel tests on one Redis stay apart (give
   * the bridge's reporter the same). @defaultValue []
   */
  ioInfoTopic?: ChannelPart;
}

/** One IOInfo call the fake received, in order. */
export interface IoInfoCall {
  readonly method: 'CreateEgress' | 'UpdateEgress';
  readonly info: EgressInfo;
}

interface StatusWaiter {
  readonly egressId: string;
  readonly status: EgressStatus;
  readonly resolve: (info: EgressInfo) => void;
}

/**
 * A test stand-in for livekit-server on the psrpc side: it calls `EgressInternal.StartEgress`
 * with livekit-server's claim selection, `ListActiveEgress` (multi), `EgressHandler.StopEgress`
 * and `UpdateStream` (first available claim), and serves `IOInfo.CreateEgress` / `UpdateEgress`
 * with the queue lock, keeping the latest EgressInfo per egress as livekit-server's store does.
 * It has its own Redis connections, like a separate process.
 */
export class FakeLivekitServer {
  readonly #bus: PsrpcBus;
  readonly #internal: PsrpcClient;
  readonly #handler: PsrpcClient;
  readonly #ioServer: PsrpcServer;
  readonly #isServingIoInfo: boolean;
  readonly #ioInfoTopic: ChannelPart;
  readonly #infos = new Map<string, EgressInfo>();
  readonly #calls: IoInfoCall[] = [];
  readonly #waiters = new Set<StatusWaiter>();
  #closing: Promise<void> | undefined;

  constructor(options: FakeLivekitServerOptions) {
    const logger = options.logger.child({ component: 'fake-livekit-server' });
    this.#bus = new PsrpcBus({ redis: options.redis, logger });
    this.#internal = new PsrpcClient({
      bus: this.#bus,
      service: PSRPC_SERVICES.egressInternal,
      logger,
    });
    this.#handler = new PsrpcClient({
      bus: this.#bus,
      service: PSRPC_SERVICES.egressHandler,
      logger,
    });
    this.#ioServer = new PsrpcServer({ bus: this.#bus, service: PSRPC_SERVICES.ioInfo, logger });
    this.#isServingIoInfo = options.isServingIoInfo ?? true;
    this.#ioInfoTopic = options.ioInfoTopic ?? [];
  }

  /** The `CLI_` id of its EgressInternal client: claims arrive on `EgressInternal|<id>|CLAIM`. */
  get internalClientId(): string {
    return this.#internal.clientId;
  }

  /** The `SRV_` id of this fake's IOInfo server. */
  get ioServerId(): string {
    return this.#ioServer.serverId;
  }

  /** Every IOInfo call received so far, oldest first. */
  get ioInfoCalls(): readonly IoInfoCall[] {
    return this.#calls;
  }

  /** Connects, subscribes its clients' channels and (by default) starts serving IOInfo. */
  async start(): Promise<void> {
    await this.#bus.start();
    await Promise.all([this.#internal.start(), this.#handler.start()]);
    if (this.#isServingIoInfo) await this.serveIoInfo();
  }

  /** Starts serving `IOInfo.CreateEgress` / `UpdateEgress` (when started with it off). */
  async serveIoInfo(): Promise<void> {
    await this.#ioServer.registerQueueMethod({
      method: PSRPC_METHODS.createEgress,
      topic: this.#ioInfoTopic,
      requestType: EgressInfo,
      handler: async (info) => {
        this.#record('CreateEgress', info);
        // livekit-server's CreateEgress does nothing when the egress is already stored.
        if (!this.#infos.has(info.egressId)) this.#store(info);
        return new Empty();
      },
    });
    await this.#ioServer.registerQueueMethod({
      method: PSRPC_METHODS.updateEgress,
      topic: this.#ioInfoTopic,
      requestType: EgressInfo,
      handler: async (info) => {
        this.#record('UpdateEgress', info);
        this.#store(info);
        return new Empty();
      },
    });
  }

  /**
   * Calls `EgressInternal.StartEgress` as livekit-server does (one attempt, no retries).
   * @throws EgressError from the bridge, or psrpc's `unavailable` "no response from servers".
   */
  startEgress(
    request: RpcStartEgressRequest,
    options: { timeoutMs?: number; clusterId?: string; selection?: PsrpcSelectionOptions } = {},
  ): Promise<EgressInfo> {
    return this.#internal.call({
      method: PSRPC_METHODS.startEgress,
      topic: [options.clusterId ?? ''],
      request,
      responseType: EgressInfo,
      timeoutMs: options.timeoutMs ?? 10_000,
      selection: options.selection ?? START_EGRESS_SELECTION,
    });
  }

  /**
   * Calls `EgressInternal.ListActiveEgress` on every server and collects answers for
   * `timeoutMs`. livekit-server uses topic `''`; tests may pass their own.
   */
  listActiveEgress(
    options: { timeoutMs?: number; maxResponses?: number; topic?: ChannelPart } = {},
  ): Promise<PsrpcMultiResult<ListActiveResponse>[]> {
    return this.#internal.multiCall({
      method: PSRPC_METHODS.listActiveEgress,
      topic: options.topic ?? [''],
      request: new RpcListActiveEgressRequest(),
      responseType: RpcListActiveEgressResponse,
      timeoutMs: options.timeoutMs ?? 3000,
      ...(options.maxResponses === undefined ? {} : { maxResponses: options.maxResponses }),
    });
  }

  /** Calls `EgressHandler.StopEgress` on topic = egress id (first available claim). */
  stopEgress(egressId: string, options: { timeoutMs?: number } = {}): Promise<EgressInfo> {
    return this.#handler.call({
      method: PSRPC_METHODS.stopEgress,
      topic: [egressId],
      request: new StopEgressRequest({ egressId }),
      responseType: EgressInfo,
      timeoutMs: options.timeoutMs ?? 3000,
      selection: FIRST_AVAILABLE,
    });
  }

  /** Calls `EgressHandler.UpdateStream` on topic = the request's egress id. */
  updateStream(
    request: UpdateStreamRequest,
    options: { timeoutMs?: number } = {},
  ): Promise<EgressInfo> {
    return this.#handler.call({
      method: PSRPC_METHODS.updateStream,
      topic: [request.egressId],
      request,
      responseType: EgressInfo,
      timeoutMs: options.timeoutMs ?? 3000,
      selection: FIRST_AVAILABLE,
    });
  }

  /** The latest EgressInfo stored for an egress (what livekit-server's `egress` hash holds). */
  egressInfo(egressId: string): EgressInfo | undefined {
    return this.#infos.get(egressId);
  }

  /**
   * Resolves with the first EgressInfo of `egressId` received with `status` (at once if one
   * was received already).
   * @throws EgressError `deadline_exceeded` after `timeoutMs` (default 5000).
   */
  waitForStatus(
    egressId: string,
    status: EgressStatus,
    options: { timeoutMs?: number } = {},
  ): Promise<EgressInfo> {
    const seen = this.#calls.find((c) => c.info.egressId === egressId && c.info.status === status);
    if (seen) return Promise.resolve(seen.info);
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const waiter: StatusWaiter = {
        egressId,
        status,
        resolve: (info) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(info);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          EgressError.deadlineExceeded(`egress ${egressId} did not reach status ${status} in time`),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Stops serving, fails calls in flight and closes the Redis connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([
        this.#ioServer.close(),
        this.#internal.close(),
        this.#handler.close(),
      ]);
      await this.#bus.close();
    })();
    return this.#closing;
  }

  #record(method: IoInfoCall['method'], info: EgressInfo): void {
    this.#calls.push({ method, info });
    for (const waiter of [...this.#waiters]) {
      if (waiter.egressId === info.egressId && waiter.status === info.status) waiter.resolve(info);
    }
  }

  #store(info: EgressInfo): void {
    this.#infos.set(info.egressId, info);
  }
}
