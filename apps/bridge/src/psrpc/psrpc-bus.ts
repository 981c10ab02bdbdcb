import { randomInt } from 'node:crypto';
import type { Logger } from '@egress/protocol';
import { EgressError } from '@egress/protocol';
import type { Envelope, EnvelopeKind, EnvelopeMessage } from '@egress/protocol/psrpc';
import {
  channelKindOf,
  decodeEnvelope,
  encodeForChannel,
  envelopeKindForChannel,
  QUEUE_LOCK_TTL_SEC,
  queueLockKey,
} from '@egress/protocol/psrpc';
import type { RedisOptions } from 'ioredis';
import { Redis } from 'ioredis';

/** The inner message type of an envelope kind. */
export type EnvelopeMessageOf<K extends EnvelopeKind> = Extract<Envelope, { kind: K }>['message'];

/** What {@link PsrpcBus.subscribe} takes. */
export interface PsrpcSubscribeOptions<K extends EnvelopeKind> {
  /** The exact channel name, built with protocol's channel helpers. */
  channel: string;
  /**
   * The envelope kind this channel carries (`request` on REQ, `claimResponse` on RCLAIM,
   * `response` on RES, `claimRequest` on CLAIM); anything else arriving on it is dropped.
   */
  kind: K;
  /**
   * Queue-style receive: each message goes to one local queue subscriber of the channel, which
   * handles it only if it wins `SET <sha256 of the payload> <rand> EX 5 NX` cluster-wide.
   * @defaultValue false
   */
  isQueue?: boolean;
  /** Called once per accepted message. It must not throw; a throw is logged and ignored. */
  onMessage: (message: EnvelopeMessageOf<K>) => void;
}

/** One subscription; `unsubscribe()` is idempotent and resolves once Redis has acknowledged. */
export interface PsrpcSubscription {
  readonly channel: string;
  unsubscribe(): Promise<void>;
}

/** What {@link PsrpcBus} takes. */
export interface PsrpcBusOptions {
  /**
   * Redis to use: a `redis://` URL or ioredis options. It must be the database livekit-server
   * uses: queue lock keys are per database (psrpc-wire.md §2.1).
   */
  redis: string | RedisOptions;
  /** Parent logger; the bus logs through `logger.child({ component: 'psrpc-bus' })`. */
  logger: Logger;
}

interface Listener {
  readonly kind: EnvelopeKind;
  readonly isQueue: boolean;
  readonly onMessage: (message: EnvelopeMessage) => void;
}

interface ChannelState {
  readonly listeners: Set<Listener>;
  /** Resolves when Redis acknowledged the SUBSCRIBE. */
  readonly subscribed: Promise<void>;
  /** Round-robin cursor over the channel's queue listeners, as psrpc shares them in a process. */
  nextQueueIndex: number;
}

const STATES = { idle: 'idle', started: 'started', closed: 'closed' } as const;
type BusState = (typeof STATES)[keyof typeof STATES];

// Go's rand.Int() value in the lock: any value works, only NX matters.
const LOCK_VALUE_MAX = 2 ** 47;

/**
 * psrpc's Redis message bus (livekit/psrpc internal/bus/bus_redis.go): exact-channel SUBSCRIBE
 * on one dedicated subscriber connection in buffer mode, PUBLISH of psrpc envelopes on a second
 * connection, and queue-style receive with the SETNX lock. Every publish goes through
 * `encodeForChannel`, so a message of the wrong type never reaches a channel (that would crash
 * livekit-server, psrpc-wire.md §3.1). Undecodable messages are dropped with a debug line.
 */
export class PsrpcBus {
  readonly #redisOptions: string | RedisOptions;
  readonly #log: Logger;
  readonly #channels = new Map<string, ChannelState>();
  #publisher: Redis | undefined;
  #subscriber: Redis | undefined;
  #state: BusState = STATES.idle;
  #closing: Promise<void> | undefined;

  constructor(options: PsrpcBusOptions) {
    if (options.redis === undefined || options.redis === null || options.redis === '') {
      throw EgressError.invalidArgument('psrpc bus: redis is required (a URL or ioredis options)');
    }
    this.#redisOptions = options.redis;
    this.#log = options.logger.child({ component: 'psrpc-bus' });
  }

  /**
   * Connects both Redis connections.
   * @throws when Redis cannot be reached.
   */
  async start(): Promise<void> {
    if (this.#state !== STATES.idle) {
      throw EgressError.failedPrecondition(`psrpc bus: start() called when ${this.#state}`);
    }
    this.#state = STATES.started;
    const publisher = this.#connect('publisher');
    const subscriber = this.#connect('subscriber');
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => {
      this.#onMessage(channel.toString(), payload);
    });
    await Promise.all([publisher.connect(), subscriber.connect()]);
  }

  /**
   * SUBSCRIBEs to a channel and resolves once Redis has acknowledged it, so a reply published
   * after that on this channel is never missed. Several subscriptions may share a channel.
   * @throws EgressError `internal` when `kind` is not what the channel carries.
   */
  async subscribe<K extends EnvelopeKind>(
    options: PsrpcSubscribeOptions<K>,
  ): Promise<PsrpcSubscription> {
    const subscriber = this.#requireStarted().subscriber;
    const channelKind = channelKindOf(options.channel);
    if (channelKind === null || envelopeKindForChannel(channelKind) !== options.kind) {
      throw EgressError.internal(
        `psrpc bus: ${options.channel} does not carry ${options.kind} messages`,
      );
    }
    const listener: Listener = {
      kind: options.kind,
      isQueue: options.isQueue ?? false,
      onMessage: options.onMessage as (message: EnvelopeMessage) => void,
    };
    let state = this.#channels.get(options.channel);
    if (state === undefined) {
      // Redis handles one connection's commands in order, so a SUBSCRIBE sent after an
      // UNSUBSCRIBE of the same channel leaves it subscribed.
      state = {
        listeners: new Set(),
        subscribed: subscriber.subscribe(options.channel).then(() => undefined),
        nextQueueIndex: 0,
      };
      this.#channels.set(options.channel, state);
      this.#log.debug({ channel: options.channel }, 'psrpc subscribe');
    }
    state.listeners.add(listener);
    try {
      await state.subscribed;
    } catch (err) {
      await this.#removeListener(options.channel, listener);
      throw EgressError.unavailable(`psrpc bus: subscribe failed: ${errorText(err)}`);
    }
    let unsubscribing: Promise<void> | undefined;
    return {
      channel: options.channel,
      unsubscribe: () => {
        unsubscribing ??= this.#removeListener(options.channel, listener);
        return unsubscribing;
      },
    };
  }

  /**
   * PUBLISHes one psrpc message on a channel.
   * @throws EgressError `internal` when the message type does not fit the channel, `unavailable`
   * when Redis fails.
   */
  async publish(channel: string, message: EnvelopeMessage): Promise<void> {
    const publisher = this.#requireStarted().publisher;
    const payload = encodeForChannel(channel, message);
    try {
      await publisher.publish(channel, payload);
    } catch (err) {
      throw EgressError.unavailable(`psrpc bus: publish failed: ${errorText(err)}`);
    }
    this.#log.debug({ channel, sizeBytes: payload.byteLength }, 'psrpc publish');
  }

  /** Unsubscribes everything and closes both connections. Idempotent: same promise. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = STATES.closed;
    this.#channels.clear();
    await Promise.all([quit(this.#subscriber), quit(this.#publisher)]);
  }

  #connect(role: string): Redis {
    const base = { lazyConnect: true, maxRetriesPerRequest: 1 } satisfies RedisOptions;
    const client =
      typeof this.#redisOptions === 'string'
        ? new Redis(this.#redisOptions, base)
        : new Redis({ ...base, ...this.#redisOptions, lazyConnect: true });
    client.on('error', (err: unknown) => {
      // ioredis reconnects by itself; log and let it.
      this.#log.warn({ err, role }, 'psrpc redis connection error');
    });
    return client;
  }

  #requireStarted(): { publisher: Redis; subscriber: Redis } {
    if (this.#state !== STATES.started || !this.#publisher || !this.#subscriber) {
      throw EgressError.failedPrecondition(`psrpc bus: not started (${this.#state})`);
    }
    return { publisher: this.#publisher, subscriber: this.#subscriber };
  }

  async #removeListener(channel: string, listener: Listener): Promise<void> {
    const state = this.#channels.get(channel);
    if (!state?.listeners.delete(listener) || state.listeners.size > 0) return;
    this.#channels.delete(channel);
    if (this.#state !== STATES.started || !this.#subscriber) return;
    this.#log.debug({ channel }, 'psrpc unsubscribe');
    try {
      await this.#subscriber.unsubscribe(channel);
    } catch (err) {
      // The connection is going away; Redis drops its subscriptions with it.
      this.#log.debug({ err, channel }, 'psrpc unsubscribe failed');
    }
  }

  #onMessage(channel: string, payload: Buffer): void {
    const state = this.#channels.get(channel);
    if (state === undefined || state.listeners.size === 0) return;
    const envelope = decodeEnvelope(payload);
    if (envelope === null) {
      this.#log.debug({ channel, sizeBytes: payload.byteLength }, 'psrpc dropped undecodable');
      return;
    }
    const listeners = [...state.listeners].filter((l) => l.kind === envelope.kind);
    if (listeners.length === 0) {
      this.#log.debug({ channel, kind: envelope.kind }, 'psrpc dropped wrong message type');
      return;
    }
    const plain = listeners.filter((l) => !l.isQueue);
    const queued = listeners.filter((l) => l.isQueue);
    for (const listener of plain) deliver(this.#log, channel, listener, envelope.message);
    if (queued.length > 0) {
      const listener = queued[state.nextQueueIndex++ % queued.length];
      if (listener) this.#deliverQueued(channel, payload, listener, envelope.message);
    }
  }

  #deliverQueued(
    channel: string,
    payload: Buffer,
    listener: Listener,
    message: EnvelopeMessage,
  ): void {
    const publisher = this.#publisher;
    if (!publisher) return;
    // The key hashes the exact received bytes, as every Go receiver does.
    const key = queueLockKey(payload);
    publisher
      .set(key, randomInt(LOCK_VALUE_MAX), 'EX', QUEUE_LOCK_TTL_SEC, 'NX')
      .then((result) => {
        if (result !== 'OK') {
          this.#log.debug({ channel }, 'psrpc queue lock taken elsewhere');
          return;
        }
        deliver(this.#log, channel, listener, message);
      })
      .catch((err: unknown) => {
        // Without the lock we cannot know whether another receiver handles it: drop, as Go does.
        this.#log.warn({ err, channel }, 'psrpc queue lock failed');
      });
  }
}

function deliver(log: Logger, channel: string, listener: Listener, message: EnvelopeMessage) {
  try {
    listener.onMessage(message);
  } catch (err) {
    log.error({ err, channel }, 'psrpc listener threw');
  }
}

async function quit(client: Redis | undefined): Promise<void> {
  if (!client) return;
  if (client.status === 'ready') {
    try {
      await client.quit();
    } catch {
      // The connection broke while quitting: disconnect() below ends any reconnect loop.
    }
  }
  client.disconnect();
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
