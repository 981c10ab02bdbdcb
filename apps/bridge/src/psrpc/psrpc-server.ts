import type { Message, MessageType } from '@bufbuild/protobuf';
import type { Logger } from '@egress/protocol';
import { EgressError } from '@egress/protocol';
import type { ChannelPart, PsrpcRequest } from '@egress/protocol/psrpc';
import {
  claimRequestChannel,
  claimResponseChannel,
  isExpired,
  newServerId,
  nowNs,
  PSRPC_READ_OPTIONS,
  PsrpcClaimRequest,
  PsrpcResponse,
  requestChannel,
  responseChannel,
} from '@egress/protocol/psrpc';
import type { PsrpcBus, PsrpcSubscription } from './psrpc-bus.js';
import { psrpcErrorCode } from './psrpc-error-code.js';

/** What a handler learns about the call besides its argument. */
export interface PsrpcCallContext {
  readonly requestId: string;
  readonly clientId: string;
  /** The request's expiry, Unix milliseconds: the caller gives up then. */
  readonly deadlineMs: number;
  /** Aborted at {@link deadlineMs}. */
  readonly signal: AbortSignal;
}

/**
 * Serves one method: gets the decoded argument and returns the result, or throws an
 * `EgressError` whose `code` and message go back to the caller. Any other throw is sent as
 * `internal` with a generic message (its text may hold secrets).
 */
export type PsrpcHandler<Req extends Message<Req>, Res extends Message<Res>> = (
  request: Req,
  context: PsrpcCallContext,
) => Promise<Res>;

/** One method registration. */
export interface PsrpcMethodSpec<Req extends Message<Req>, Res extends Message<Res>> {
  /** The method name, for example `StartEgress`. */
  method: string;
  /** The topic (`[egressId]`, `[clusterId]`); empty or absent adds no channel segment. */
  topic?: ChannelPart;
  /** The argument's protobuf class, used to decode `raw_request`. */
  requestType: MessageType<Req>;
  handler: PsrpcHandler<Req, Res>;
}

/** An affinity method registration: a claim whose affinity `affinity` computes. */
export interface PsrpcAffinityMethodSpec<Req extends Message<Req>, Res extends Message<Res>>
  extends PsrpcMethodSpec<Req, Res> {
  /**
   * The claim's affinity for this request: below 0 sends no claim at all (the request is left
   * to other servers); livekit-server picks an affinity of 1 or more at once, and otherwise the
   * highest within its short circuit. 0 can never win, so use a small positive value instead.
   * A throw counts as -1.
   */
  affinity: (request: Req) => number | Promise<number>;
}

/** What {@link PsrpcServer} takes. */
export interface PsrpcServerOptions {
  /** A started bus; the server never closes it. */
  bus: PsrpcBus;
  /** The psrpc service, for example `EgressInternal` or `EgressHandler`. */
  service: string;
  /** The id sent in claims and responses. @defaultValue a new `SRV_` id */
  serverId?: string;
  /** Parent logger; the server logs through `logger.child({ component: 'psrpc-server' })`. */
  logger: Logger;
}

const METHOD_KINDS = { affinity: 'affinity', multi: 'multi', queue: 'queue' } as const;
type MethodKind = (typeof METHOD_KINDS)[keyof typeof METHOD_KINDS];

interface Registration {
  readonly kind: MethodKind;
  readonly method: string;
  readonly topicKey: string;
  readonly requestType: MessageType<Message>;
  readonly handler: (request: Message, context: PsrpcCallContext) => Promise<Message>;
  readonly affinity: (request: Message) => number | Promise<number>;
  readonly subscriptions: PsrpcSubscription[];
}

interface ClaimWaiter {
  /** Settles the wait: picked or not. */
  settle: (isPicked: boolean) => void;
  readonly serverId: string;
}

const NS_PER_MS = 1_000_000n;

/**
 * A psrpc server for one service (livekit/psrpc pkg/server): affinity methods (claim with a
 * computed affinity), multi methods (every server answers, no claim) and queue methods (SETNX
 * lock, then a claim with affinity 1). Expired requests are dropped; a `raw_request` that does
 * not decode gets a `malformed_request` response without a claim; every picked request gets
 * exactly one response (psrpc-wire.md §4.2).
 */
export class PsrpcServer {
  readonly #bus: PsrpcBus;
  readonly #service: string;
  readonly #serverId: string;
  readonly #log: Logger;
  readonly #registrations = new Map<string, Registration>();
  readonly #claims = new Map<string, ClaimWaiter>();
  readonly #inFlight = new Set<Promise<void>>();
  #isClosed = false;
  #closing: Promise<void> | undefined;

  constructor(options: PsrpcServerOptions) {
    if (!options.service) throw EgressError.invalidArgument('psrpc server: service is required');
    this.#bus = options.bus;
    this.#service = options.service;
    this.#serverId = options.serverId ?? newServerId();
    this.#log = options.logger.child({
      component: 'psrpc-server',
      service: options.service,
      serverId: this.#serverId,
    });
  }

  /** The `SRV_` id this server claims with. */
  get serverId(): string {
    return this.#serverId;
  }

  /**
   * Serves an affinity method (EgressInternal.StartEgress on topic cluster id): every server
   * gets each request and claims it with `affinity(request)`; the picked one handles it. Resolves
   * once the REQ and RCLAIM channels are subscribed.
   * @throws EgressError `already_exists` when this method and topic are already registered.
   */
  registerAffinityMethod<Req extends Message<Req>, Res extends Message<Res>>(
    spec: PsrpcAffinityMethodSpec<Req, Res>,
  ): Promise<void> {
    return this.#register(METHOD_KINDS.affinity, spec, spec.affinity);
  }

  /**
   * Serves a multi method (EgressInternal.ListActiveEgress): every server answers every
   * request, without a claim.
   * @throws EgressError `already_exists` when this method and topic are already registered.
   */
  registerMultiMethod<Req extends Message<Req>, Res extends Message<Res>>(
    spec: PsrpcMethodSpec<Req, Res>,
  ): Promise<void> {
    return this.#register(METHOD_KINDS.multi, spec, alwaysOne);
  }

  /**
   * Serves a queue method (EgressHandler.StopEgress / UpdateStream on topic egress id, or
   * IOInfo methods in a test): only the receiver that wins the SETNX lock claims it, with
   * affinity 1. Resolves once the REQ and RCLAIM channels are subscribed.
   * @throws EgressError `already_exists` when this method and topic are already registered.
   */
  registerQueueMethod<Req extends Message<Req>, Res extends Message<Res>>(
    spec: PsrpcMethodSpec<Req, Res>,
  ): Promise<void> {
    return this.#register(METHOD_KINDS.queue, spec, alwaysOne);
  }

  /** Stops serving one method on one topic; requests already picked still get their response. */
  async unregister(method: string, topic: ChannelPart = []): Promise<void> {
    const key = requestChannel(this.#service, method, topic);
    const registration = this.#registrations.get(key);
    if (!registration) return;
    this.#registrations.delete(key);
    await Promise.all(registration.subscriptions.map((s) => s.unsubscribe()));
    this.#log.debug({ method }, 'psrpc method unregistered');
  }

  /** Stops serving every method registered on `topic` (all of one egress's handler methods). */
  async unregisterTopic(topic: ChannelPart): Promise<void> {
    const topicKey = topicKeyOf(topic);
    const methods = [...this.#registrations.values()].filter((r) => r.topicKey === topicKey);
    await Promise.all(methods.map((r) => this.unregister(r.method, topic)));
  }

  /**
   * Unregisters everything, gives up claims still waiting for an answer, and waits for the
   * handlers already picked to send their response. Idempotent: same promise. The bus stays open.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#isClosed = true;
    const registrations = [...this.#registrations.values()];
    this.#registrations.clear();
    await Promise.allSettled(
      registrations.flatMap((r) => r.subscriptions.map((s) => s.unsubscribe())),
    );
    for (const waiter of [...this.#claims.values()]) waiter.settle(false);
    await Promise.allSettled([...this.#inFlight]);
  }

  async #register<Req extends Message<Req>, Res extends Message<Res>>(
    kind: MethodKind,
    spec: PsrpcMethodSpec<Req, Res>,
    affinity: (request: Req) => number | Promise<number>,
  ): Promise<void> {
    if (this.#isClosed) throw EgressError.failedPrecondition('psrpc server: closed');
    if (!spec.method) throw EgressError.invalidArgument('psrpc server: method is required');
    const topic = spec.topic ?? [];
    const reqChannel = requestChannel(this.#service, spec.method, topic);
    if (this.#registrations.has(reqChannel)) {
      throw EgressError.alreadyExists(`psrpc server: ${reqChannel} is already registered`);
    }
    const registration: Registration = {
      kind,
      method: spec.method,
      topicKey: topicKeyOf(topic),
      requestType: spec.requestType as unknown as MessageType<Message>,
      handler: spec.handler as unknown as Registration['handler'],
      affinity: affinity as unknown as Registration['affinity'],
      subscriptions: [],
    };
    // Registered before subscribing, so a second register of the same key fails at once.
    this.#registrations.set(reqChannel, registration);
    try {
      // RCLAIM first: a claim response must never arrive before we listen for it.
      if (kind !== METHOD_KINDS.multi) {
        registration.subscriptions.push(
          await this.#bus.subscribe({
            channel: claimResponseChannel(this.#service, spec.method, topic),
            kind: 'claimResponse',
            onMessage: (message) => {
              const waiter = this.#claims.get(message.requestId);
              waiter?.settle(message.serverId === waiter.serverId);
            },
          }),
        );
      }
      registration.subscriptions.push(
        await this.#bus.subscribe({
          channel: reqChannel,
          kind: 'request',
          isQueue: kind === METHOD_KINDS.queue,
          onMessage: (message) => {
            const work = this.#handle(registration, message).catch((err: unknown) => {
              this.#log.error({ err, method: spec.method }, 'psrpc request handling failed');
            });
            this.#inFlight.add(work);
            void work.finally(() => this.#inFlight.delete(work));
          },
        }),
      );
    } catch (err) {
      this.#registrations.delete(reqChannel);
      await Promise.allSettled(registration.subscriptions.map((s) => s.unsubscribe()));
      throw err;
    }
    this.#log.debug({ method: spec.method, kind }, 'psrpc method registered');
  }

  async #handle(registration: Registration, request: PsrpcRequest): Promise<void> {
    const fields = { method: registration.method, requestId: request.requestId };
    if (isExpired(request, nowNs())) {
      this.#log.debug(fields, 'psrpc dropped expired request');
      return;
    }
    let argument: Message;
    try {
      argument = registration.requestType.fromBinary(request.rawRequest, PSRPC_READ_OPTIONS);
    } catch {
      // psrpc answers an undecodable argument at once, without a claim (pkg/server/rpc.go).
      this.#log.debug(fields, 'psrpc malformed request');
      await this.#respond(request, new EgressError('malformed', 'malformed request'));
      return;
    }
    if (registration.kind !== METHOD_KINDS.multi) {
      let affinity: number;
      try {
        affinity = await registration.affinity(argument);
      } catch (err) {
        this.#log.warn({ ...fields, err }, 'psrpc affinity failed; not claiming');
        return;
      }
      if (!(affinity >= 0)) {
        this.#log.debug(fields, 'psrpc not claiming');
        return;
      }
      if (!(await this.#claim(request, affinity))) {
        this.#log.debug(fields, 'psrpc claim not picked');
        return;
      }
    }
    const deadlineMs = Number(request.expiry / NS_PER_MS);
    const context: PsrpcCallContext = {
      requestId: request.requestId,
      clientId: request.clientId,
      deadlineMs,
      signal: AbortSignal.timeout(Math.max(0, deadlineMs - Date.now())),
    };
    let result: Message | EgressError;
    try {
      result = await registration.handler(argument, context);
    } catch (err) {
      result = EgressError.from(err);
      if (result.code === 'internal') this.#log.error({ ...fields, err }, 'psrpc handler failed');
    }
    await this.#respond(request, result);
  }

  #claim(request: PsrpcRequest, affinity: number) {
    const waitMs = Number((request.expiry - nowNs()) / NS_PER_MS);
    if (waitMs <= 0 || this.#isClosed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), waitMs);
      const settle = (isPicked: boolean) => {
        clearTimeout(timer);
        if (this.#claims.get(request.requestId) === waiter) this.#claims.delete(request.requestId);
        resolve(isPicked);
      };
      const waiter: ClaimWaiter = { settle, serverId: this.#serverId };
      // A request id already waiting is a replayed message (livekit-server never reuses ids):
      // the older wait gives up, so no waiter is left that close() cannot find (bridge fuzz).
      this.#claims.get(request.requestId)?.settle(false);
      // The waiter exists before the claim goes out, so a fast claim response is not missed.
      this.#claims.set(request.requestId, waiter);
      const claim = new PsrpcClaimRequest({
        requestId: request.requestId,
        serverId: this.#serverId,
        affinity,
      });
      this.#bus
        .publish(claimRequestChannel(this.#service, request.clientId), claim)
        .catch((err: unknown) => {
          this.#log.warn({ err, requestId: request.requestId }, 'psrpc claim publish failed');
          settle(false);
        });
    });
  }

  async #respond(request: PsrpcRequest, result: Message | EgressError): Promise<void> {
    const response = new PsrpcResponse({
      requestId: request.requestId,
      serverId: this.#serverId,
      sentAt: nowNs(),
    });
    if (result instanceof EgressError) {
      response.error = result.message;
      response.code = psrpcErrorCode(result.code);
    } else {
      response.rawResponse = result.toBinary();
    }
    await this.#bus.publish(responseChannel(this.#service, request.clientId), response);
    this.#log.debug(
      { requestId: request.requestId, code: response.code || undefined },
      'psrpc response sent',
    );
  }
}

function alwaysOne(): number {
  return 1;
}

function topicKeyOf(topic: ChannelPart): string {
  return typeof topic === 'string' ? topic : topic.join('\u0000');
}
