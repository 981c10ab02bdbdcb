import { randomInt } from 'node:crypto';
import { Empty } from '@bufbuild/protobuf';
import type { Logger } from '@egress/protocol';
import { EgressError } from '@egress/protocol';
import type { ChannelPart } from '@egress/protocol/psrpc';
import { PSRPC_METHODS } from '@egress/protocol/psrpc';
import type { EgressInfo } from '@livekit/protocol';
import type { PsrpcClient } from './psrpc-client.js';

/** What {@link IoInfoReporter} takes. */
export interface IoInfoReporterOptions {
  /** A started client of service `IOInfo`; the reporter never closes it. */
  client: PsrpcClient;
  /** Parent logger; the reporter logs through `logger.child({ component: 'io-info-reporter' })`. */
  logger: Logger;
  /** Timeout of one CreateEgress call (Go `io_create_timeout`). @defaultValue 15000 */
  createTimeoutMs?: number;
  /** Timeout of one UpdateEgress attempt (Go `io_update_timeout`). @defaultValue 30000 */
  updateTimeoutMs?: number;
  /**
   * First retry backoff; each retry waits a random time in [backoff/2, backoff), and the backoff
   * doubles up to `maxBackoffMs`, as Go's session reporter does. @defaultValue 500
   */
  initialBackoffMs?: number;
  /** @defaultValue 60000 */
  maxBackoffMs?: number;
  /**
   * Tests only: a topic that keeps parallel tests on one Redis apart. livekit-server serves
   * IOInfo without a topic, so leave it empty in production. @defaultValue []
   */
  topic?: ChannelPart;
}

interface EgressState {
  /** The newest info not yet sent; a newer one replaces it. */
  pending: EgressInfo | undefined;
  isCreating: boolean;
  isSending: boolean;
  backoffMs: number;
  retryTimer: NodeJS.Timeout | undefined;
}

// Updates for an egress whose create failed are dropped this long (Go's createFailedTTL).
const CREATE_FAILED_TTL_MS = 60 * 60 * 1000;

/**
 * Reports EgressInfo to livekit-server over `IOInfo.CreateEgress` / `IOInfo.UpdateEgress`
 * (livekit/egress pkg/info/io.go). CreateEgress is one call whose failure the caller acts on;
 * updates of one egress go out in order, one at a time, retried on `deadline_exceeded` and
 * `unavailable` with a doubling backoff up to a minute. Only the newest pending info of an
 * egress is sent: a newer status replaces one still waiting. Updates that arrive while
 * CreateEgress is in flight wait for it; after a failed CreateEgress they are dropped.
 */
export class IoInfoReporter {
  readonly #client: PsrpcClient;
  readonly #log: Logger;
  readonly #createTimeoutMs: number;
  readonly #updateTimeoutMs: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #topic: ChannelPart;
  readonly #egresses = new Map<string, EgressState>();
  readonly #createFailed = new Map<string, number>();
  readonly #idleWaiters = new Set<() => void>();
  #isClosed = false;

  constructor(options: IoInfoReporterOptions) {
    this.#client = options.client;
    this.#log = options.logger.child({ component: 'io-info-reporter' });
    this.#createTimeoutMs = positive('createTimeoutMs', options.createTimeoutMs, 15_000);
    this.#updateTimeoutMs = positive('updateTimeoutMs', options.updateTimeoutMs, 30_000);
    this.#initialBackoffMs = positive('initialBackoffMs', options.initialBackoffMs, 500);
    this.#maxBackoffMs = positive('maxBackoffMs', options.maxBackoffMs, 60_000);
    this.#topic = options.topic ?? [];
    if (this.#maxBackoffMs < this.#initialBackoffMs) {
      throw EgressError.invalidArgument(
        'io info reporter: maxBackoffMs must be >= initialBackoffMs',
      );
    }
  }

  /**
   * Calls `IOInfo.CreateEgress` once (no retry, as Go does). Updates given meanwhile are sent
   * after it succeeds.
   * @throws EgressError from livekit-server, or `deadline_exceeded` / `unavailable` from psrpc;
   * the caller should abort the egress.
   */
  async createEgress(info: EgressInfo): Promise<void> {
    this.#requireOpen();
    const egressId = info.egressId;
    this.#createFailed.delete(egressId);
    const state = this.#state(egressId);
    state.isCreating = true;
    try {
      await this.#client.call({
        method: PSRPC_METHODS.createEgress,
        topic: this.#topic,
        request: info,
        responseType: Empty,
        timeoutMs: this.#createTimeoutMs,
      });
    } catch (err) {
      const error = EgressError.from(err);
      this.#markCreateFailed(egressId);
      if (state.pending) {
        this.#log.debug({ egressId }, 'io info update dropped: create failed');
      }
      state.pending = undefined;
      state.isCreating = false;
      this.#settle(egressId, state);
      this.#log.warn({ egressId, err: error }, 'io info create failed');
      throw error;
    }
    state.isCreating = false;
    this.#log.debug({ egressId }, 'io info created');
    this.#schedule(egressId, state);
  }

  /**
   * Queues `IOInfo.UpdateEgress` for this info and returns at once. A newer info for the same
   * egress replaces one that is still waiting.
   */
  updateEgress(info: EgressInfo): void {
    const egressId = info.egressId;
    if (this.#isClosed) {
      this.#log.warn({ egressId, status: info.status }, 'io info update after close dropped');
      return;
    }
    const failedAt = this.#createFailed.get(egressId);
    if (failedAt !== undefined && Date.now() - failedAt < CREATE_FAILED_TTL_MS) {
      this.#log.debug({ egressId, status: info.status }, 'io info update dropped: create failed');
      return;
    }
    const state = this.#state(egressId);
    if (state.pending) {
      this.#log.debug({ egressId, status: state.pending.status }, 'io info update superseded');
    }
    state.pending = info;
    this.#schedule(egressId, state);
  }

  /** Whether nothing is waiting, in flight or in a retry backoff. */
  get isIdle(): boolean {
    return this.#egresses.size === 0;
  }

  /** Resolves once {@link isIdle}. */
  whenIdle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.add(resolve));
  }

  /**
   * Stops taking updates, waits up to `drainMs` for pending ones to be delivered, then drops the
   * rest (logged with their count).
   */
  async close(options: { drainMs?: number } = {}): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    const drainMs = options.drainMs ?? 0;
    if (drainMs > 0 && !this.isIdle) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.whenIdle(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, drainMs);
        }),
      ]);
      clearTimeout(timer);
    }
    let dropped = 0;
    for (const [egressId, state] of this.#egresses) {
      clearTimeout(state.retryTimer);
      if (state.pending) dropped++;
      this.#egresses.delete(egressId);
    }
    if (dropped > 0) this.#log.warn({ count: dropped }, 'io info updates dropped at close');
    for (const resolve of [...this.#idleWaiters]) resolve();
    this.#idleWaiters.clear();
  }

  #state(egressId: string): EgressState {
    let state = this.#egresses.get(egressId);
    if (!state) {
      state = {
        pending: undefined,
        isCreating: false,
        isSending: false,
        backoffMs: 0,
        retryTimer: undefined,
      };
      this.#egresses.set(egressId, state);
    }
    return state;
  }

  #schedule(egressId: string, state: EgressState): void {
    if (state.isCreating || state.isSending || state.retryTimer) return;
    if (!state.pending) {
      this.#settle(egressId, state);
      return;
    }
    void this.#send(egressId, state).catch((err: unknown) => {
      // #send catches call errors itself; this is a bug guard, and the next update retries.
      this.#log.error({ err, egressId }, 'io info sender failed');
      state.isSending = false;
    });
  }

  async #send(egressId: string, state: EgressState): Promise<void> {
    state.isSending = true;
    while (state.pending && !this.#isClosed) {
      const info = state.pending;
      state.pending = undefined;
      try {
        await this.#client.call({
          method: PSRPC_METHODS.updateEgress,
          topic: this.#topic,
          request: info,
          responseType: Empty,
          timeoutMs: this.#updateTimeoutMs,
        });
        state.backoffMs = 0;
        this.#log.debug({ egressId, status: info.status }, 'io info updated');
      } catch (err) {
        const error = EgressError.from(err);
        if (isRetryable(error) && !this.#isClosed) {
          state.pending ??= info;
          state.backoffMs =
            state.backoffMs === 0
              ? this.#initialBackoffMs
              : Math.min(state.backoffMs * 2, this.#maxBackoffMs);
          const delayMs = jitter(state.backoffMs);
          const fields = { egressId, code: error.code, delayMs };
          // One warning per outage of an egress, then debug lines: Go logs the same way.
          if (state.backoffMs === this.#initialBackoffMs) {
            this.#log.warn(fields, 'io info update failed, retrying');
          } else {
            this.#log.debug(fields, 'io info update failed, retrying');
          }
          state.isSending = false;
          state.retryTimer = setTimeout(() => {
            state.retryTimer = undefined;
            this.#schedule(egressId, state);
          }, delayMs);
          return;
        }
        state.backoffMs = 0;
        this.#log.error({ egressId, err: error, status: info.status }, 'io info update failed');
      }
    }
    state.isSending = false;
    this.#settle(egressId, state);
  }

  /** Forgets an egress with nothing left to do, and wakes idle waiters. */
  #settle(egressId: string, state: EgressState): void {
    if (state.pending || state.isCreating || state.isSending || state.retryTimer) return;
    if (this.#egresses.get(egressId) === state) this.#egresses.delete(egressId);
    if (this.isIdle) {
      for (const resolve of [...this.#idleWaiters]) resolve();
      this.#idleWaiters.clear();
    }
  }

  #markCreateFailed(egressId: string): void {
    const now = Date.now();
    for (const [id, at] of this.#createFailed) {
      if (now - at > CREATE_FAILED_TTL_MS) this.#createFailed.delete(id);
    }
    this.#createFailed.set(egressId, now);
  }

  #requireOpen(): void {
    if (this.#isClosed) throw EgressError.failedPrecondition('io info reporter: closed');
  }
}

function isRetryable(error: EgressError): boolean {
  return error.code === 'deadline_exceeded' || error.code === 'unavailable';
}

// A random delay in [backoff/2, backoff), so egresses that failed together do not retry together.
function jitter(backoffMs: number): number {
  const half = Math.floor(backoffMs / 2);
  return half + (half > 0 ? randomInt(half) : 0);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw EgressError.invalidArgument(`io info reporter: ${name} must be a number above 0`);
  }
  return value;
}
