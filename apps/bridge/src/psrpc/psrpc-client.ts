import type { Message, MessageType } from '@bufbuild/protobuf';
import type { Logger } from '@egress/protocol';
import { EgressError } from '@egress/protocol';
import type { ChannelPart, PsrpcClaimRequest, PsrpcResponse } from '@egress/protocol/psrpc';
import {
  claimRequestChannel,
  claimResponseChannel,
  newClientId,
  newRequestId,
  nowNs,
  PSRPC_READ_OPTIONS,
  PsrpcClaimResponse,
  PsrpcRequest,
  requestChannel,
  responseChannel,
} from '@egress/protocol/psrpc';
import type { PsrpcBus, PsrpcSubscription } from './psrpc-bus.js';
import { errorCodeFromPsrpc } from './psrpc-error-code.js';

/**
 * How a unary call picks among the servers that claim it (psrpc `SelectionOpts`). Affinities
 * must be above 0 and above the best so far to count at all, as in psrpc.
 */
export interface PsrpcSelectionOptions {
  /** Take the first claim with an affinity above 0. @defaultValue false */
  acceptFirstAvailable?: boolean;
  /** Ignore claims below this affinity; 0 means no minimum. @defaultValue 0 */
  minimumAffinity?: number;
  /** Take at once a claim at or above this affinity; 0 means none. @defaultValue 0 */
  maximumAffinity?: number;
  /** Selection ends this long after the request went out; 0 means only the call's timeout. @defaultValue 0 */
  affinityTimeoutMs?: number;
  /** Selection ends this long after the first eligible claim; 0 means never. @defaultValue 0 */
  shortCircuitMs?: number;
}

/** psrpc's selection for methods without affinity: the first claim wins. */
export const FIRST_AVAILABLE: Readonly<PsrpcSelectionOptions> = Object.freeze({
  acceptFirstAvailable: true,
});

/** One unary call. */
export interface PsrpcCallOptions<Req extends Message<Req>, Res extends Message<Res>> {
  method: string;
  /** The method's topic; empty or absent adds no channel segment. @defaultValue [] */
  topic?: ChannelPart;
  request: Req;
  /** The result's protobuf class, used to decode `raw_response`. */
  responseType: MessageType<Res>;
  /** Request timeout: the request's expiry is now plus this. */
  timeoutMs: number;
  /** @defaultValue {@link FIRST_AVAILABLE} */
  selection?: PsrpcSelectionOptions;
}

/** One multi call (every server answers, no claim). */
export interface PsrpcMultiCallOptions<Req extends Message<Req>, Res extends Message<Res>> {
  method: string;
  /** @defaultValue [] */
  topic?: ChannelPart;
  request: Req;
  responseType: MessageType<Res>;
  /** Responses are collected this long; the request's expiry is now plus this. */
  timeoutMs: number;
  /** Stop collecting early after this many responses. @defaultValue unlimited */
  maxResponses?: number;
}

/** One server's answer to a multi call: a result or an error. */
export type PsrpcMultiResult<Res> =
  | { serverId: string; result: Res; error?: undefined }
  | { serverId: string; result?: undefined; error: EgressError };

/** What {@link PsrpcClient} takes. */
export interface PsrpcClientOptions {
  /** A started bus; the client never closes it. */
  bus: PsrpcBus;
  /** The psrpc service called, for example `IOInfo`. */
  service: string;
  /** The id that names this client's RES and CLAIM channels. @defaultValue a new `CLI_` id */
  clientId?: string;
  /** Parent logger; the client logs through `logger.child({ component: 'psrpc-client' })`. */
  logger: Logger;
}

interface PendingCall {
  onClaim(claim: PsrpcClaimRequest): void;
  onResponse(response: PsrpcResponse): void;
  fail(error: EgressError): void;
}

const NS_PER_MS = 1_000_000n;

/** psrpc's text when no server claimed a request. */
export const NO_RESPONSE_MESSAGE = 'no response from servers';
/** psrpc's text when a call ran out of time. */
export const TIMED_OUT_MESSAGE = 'request timed out';

/**
 * A psrpc client for one service (livekit/psrpc pkg/client): publishes a Request, picks a
 * server among the ClaimRequests, publishes the ClaimResponse and awaits the Response; multi
 * calls collect every server's Response until the timeout (psrpc-wire.md §4.2, §4.3).
 * Local failures are psrpc's: `deadline_exceeded` "request timed out", `unavailable` "no
 * response from servers" / "no servers available (received N responses)".
 */
export class PsrpcClient {
  readonly #bus: PsrpcBus;
  readonly #service: string;
  readonly #clientId: string;
  readonly #log: Logger;
  readonly #pending = new Map<string, PendingCall>();
  #subscriptions: PsrpcSubscription[] = [];
  #isStarted = false;
  #isClosed = false;
  #closing: Promise<void> | undefined;

  constructor(options: PsrpcClientOptions) {
    if (!options.service) throw EgressError.invalidArgument('psrpc client: service is required');
    this.#bus = options.bus;
    this.#service = options.service;
    this.#clientId = options.clientId ?? newClientId();
    this.#log = options.logger.child({
      component: 'psrpc-client',
      service: options.service,
      clientId: this.#clientId,
    });
  }

  /** The `CLI_` id naming this client's channels. */
  get clientId(): string {
    return this.#clientId;
  }

  /** SUBSCRIBEs to this client's RES and CLAIM channels and waits for both acknowledgements. */
  async start(): Promise<void> {
    if (this.#isStarted) throw EgressError.failedPrecondition('psrpc client: already started');
    this.#isStarted = true;
    this.#subscriptions = await Promise.all([
      this.#bus.subscribe({
        channel: responseChannel(this.#service, this.#clientId),
        kind: 'response',
        onMessage: (message) => this.#pending.get(message.requestId)?.onResponse(message),
      }),
      this.#bus.subscribe({
        channel: claimRequestChannel(this.#service, this.#clientId),
        kind: 'claimRequest',
        onMessage: (message) => this.#pending.get(message.requestId)?.onClaim(message),
      }),
    ]);
  }

  /**
   * Makes one unary call with a claim.
   * @throws EgressError from the server's error response, or `deadline_exceeded` "request timed
   * out", `unavailable` "no response from servers", `malformed` when the result does not decode.
   */
  async call<Req extends Message<Req>, Res extends Message<Res>>(
    options: PsrpcCallOptions<Req, Res>,
  ): Promise<Res> {
    this.#requireStarted();
    const selection = options.selection ?? FIRST_AVAILABLE;
    const topic = options.topic ?? [];
    const request = this.#newRequest(options.request, options.timeoutMs, false);
    const { requestId } = request;
    const log = this.#log.child({ method: options.method, requestId });

    return new Promise<Res>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      let isSelecting = true;
      let best = 0;
      let bestServerId = '';
      let claimCount = 0;
      let selectionError: EgressError | undefined;

      const finish = (error: EgressError | undefined, result?: Res) => {
        for (const t of timers) clearTimeout(t);
        this.#pending.delete(requestId);
        if (error) reject(error);
        else resolve(result as Res);
      };
      const settleResponse = (response: PsrpcResponse) => {
        if (response.error !== '') {
          finish(new EgressError(errorCodeFromPsrpc(response.code), response.error));
          return;
        }
        try {
          finish(
            undefined,
            options.responseType.fromBinary(response.rawResponse, PSRPC_READ_OPTIONS),
          );
        } catch {
          finish(new EgressError('malformed', 'malformed response'));
        }
      };
      const endSelection = (serverId: string) => {
        if (!isSelecting) return;
        isSelecting = false;
        if (serverId === '') {
          if (selectionError) finish(selectionError);
          else if (claimCount === 0) finish(EgressError.unavailable(NO_RESPONSE_MESSAGE));
          else {
            finish(
              EgressError.unavailable(`no servers available (received ${claimCount} responses)`),
            );
          }
          return;
        }
        log.debug({ serverId }, 'psrpc server selected');
        const claimResponse = new PsrpcClaimResponse({ requestId, serverId });
        this.#bus
          .publish(claimResponseChannel(this.#service, options.method, topic), claimResponse)
          .catch((err: unknown) => finish(EgressError.from(err, 'psrpc claim response failed')));
      };

      this.#pending.set(requestId, {
        onClaim: (claim) => {
          if (!isSelecting) return;
          claimCount++;
          const minimum = selection.minimumAffinity ?? 0;
          if (claim.affinity <= best || (minimum > 0 && claim.affinity < minimum)) return;
          const maximum = selection.maximumAffinity ?? 0;
          if (selection.acceptFirstAvailable || (maximum > 0 && claim.affinity >= maximum)) {
            endSelection(claim.serverId);
            return;
          }
          const isFirstEligible = best === 0;
          best = claim.affinity;
          bestServerId = claim.serverId;
          const shortCircuitMs = selection.shortCircuitMs ?? 0;
          if (isFirstEligible && shortCircuitMs > 0) {
            timers.push(setTimeout(() => endSelection(bestServerId), shortCircuitMs));
          }
        },
        onResponse: (response) => {
          if (isSelecting) {
            // Only an error can come before a claim (a malformed request): remember it.
            if (response.error !== '') {
              selectionError = new EgressError(errorCodeFromPsrpc(response.code), response.error);
            }
            return;
          }
          settleResponse(response);
        },
        fail: (error) => finish(error),
      });
      timers.push(
        setTimeout(() => {
          // With a server already chosen there is no time left for its response, as in Go.
          if (isSelecting && bestServerId === '') endSelection('');
          else finish(EgressError.deadlineExceeded(TIMED_OUT_MESSAGE));
        }, options.timeoutMs),
      );
      const affinityTimeoutMs = selection.affinityTimeoutMs ?? 0;
      if (affinityTimeoutMs > 0) {
        timers.push(setTimeout(() => endSelection(bestServerId), affinityTimeoutMs));
      }
      log.debug('psrpc request');
      this.#bus
        .publish(requestChannel(this.#service, options.method, topic), request)
        .catch((err: unknown) => finish(EgressError.from(err, 'psrpc request publish failed')));
    });
  }

  /**
   * Makes one multi call: every server that serves the method answers, and the answers are
   * collected until `timeoutMs` (or `maxResponses`). No answer at all gives an empty list.
   */
  async multiCall<Req extends Message<Req>, Res extends Message<Res>>(
    options: PsrpcMultiCallOptions<Req, Res>,
  ): Promise<PsrpcMultiResult<Res>[]> {
    this.#requireStarted();
    const request = this.#newRequest(options.request, options.timeoutMs, true);
    const { requestId } = request;
    const results: PsrpcMultiResult<Res>[] = [];
    return new Promise<PsrpcMultiResult<Res>[]>((resolve, reject) => {
      const finish = (error?: EgressError) => {
        clearTimeout(timer);
        this.#pending.delete(requestId);
        if (error) reject(error);
        else resolve(results);
      };
      const timer = setTimeout(() => finish(), options.timeoutMs);
      this.#pending.set(requestId, {
        onClaim: () => {
          // Multi methods never claim; a claim here is another server's bug.
        },
        onResponse: (response) => {
          if (response.error !== '') {
            results.push({
              serverId: response.serverId,
              error: new EgressError(errorCodeFromPsrpc(response.code), response.error),
            });
          } else {
            try {
              results.push({
                serverId: response.serverId,
                result: options.responseType.fromBinary(response.rawResponse, PSRPC_READ_OPTIONS),
              });
            } catch {
              results.push({
                serverId: response.serverId,
                error: new EgressError('malformed', 'malformed response'),
              });
            }
          }
          if (options.maxResponses !== undefined && results.length >= options.maxResponses) {
            finish();
          }
        },
        fail: (error) => finish(error),
      });
      this.#bus
        .publish(requestChannel(this.#service, options.method, options.topic ?? []), request)
        .catch((err: unknown) => finish(EgressError.from(err, 'psrpc request publish failed')));
    });
  }

  /**
   * Fails calls still waiting with `unavailable` and unsubscribes. Idempotent: same promise.
   * The bus stays open.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#isClosed = true;
    for (const call of [...this.#pending.values()]) {
      call.fail(EgressError.unavailable('psrpc client closed'));
    }
    await Promise.allSettled(this.#subscriptions.map((s) => s.unsubscribe()));
  }

  #requireStarted(): void {
    if (!this.#isStarted || this.#isClosed) {
      throw EgressError.failedPrecondition('psrpc client: not started or closed');
    }
  }

  #newRequest(argument: Message, timeoutMs: number, isMulti: boolean): PsrpcRequest {
    if (!(timeoutMs > 0)) {
      throw EgressError.invalidArgument('psrpc client: timeoutMs must be above 0');
    }
    const sentAt = nowNs();
    return new PsrpcRequest({
      requestId: newRequestId(),
      clientId: this.#clientId,
      sentAt,
      expiry: sentAt + BigInt(Math.ceil(timeoutMs)) * NS_PER_MS,
      multi: isMulti,
      rawRequest: argument.toBinary(),
    });
  }
}
