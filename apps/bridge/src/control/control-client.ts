import { randomUUID } from 'node:crypto';
import {
  type ControlMessageInput,
  controlReplyResult,
  EgressError,
  egressControlChannel,
  egressReplyChannel,
  encodeControlMessage,
  type Logger,
  parseControlReply,
} from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';
import type { RedisClient } from '../state/egress-store.js';

/** Options of {@link ControlClient}. */
export interface ControlClientOptions {
  /** Connection that publishes control messages (the producer); never closed here. */
  publisher: RedisClient;
  /** A dedicated connection for reply subscriptions; the client closes it. */
  subscriber: RedisClient;
  logger: Logger;
  /** How long to wait for the worker's reply, milliseconds. @defaultValue 10000 */
  replyTimeoutMs?: number;
  /**
   * While nobody listens on the egress's control channel (a worker that just took the job has
   * not subscribed yet), the message is published again this often, milliseconds.
   * @defaultValue 250
   */
  republishIntervalMs?: number;
}

/** A control message without the fields the client fills in. */
export type ControlCommand = ControlMessageInput extends infer M
  ? M extends unknown
    ? Omit<M, 'requestId' | 'replyTo'>
    : never
  : never;

interface Pending {
  resolve: (info: EgressInfo) => void;
  reject: (err: EgressError) => void;
}

/**
 * Sends control messages (stop, update stream, update layout) to the worker running an egress,
 * on `egress:control:<egressId>`, and waits for its reply on `egress:reply:<requestId>`.
 * Workers must treat a repeated `requestId` as one request: the message is published again
 * while no one listens.
 */
export class ControlClient {
  readonly #publisher: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #log: Logger;
  readonly #replyTimeoutMs: number;
  readonly #republishIntervalMs: number;
  readonly #pending = new Map<string, Pending>();
  #isClosed = false;

  constructor(options: ControlClientOptions) {
    this.#publisher = options.publisher;
    this.#subscriber = options.subscriber;
    this.#log = options.logger.child({ component: 'control-client' });
    this.#replyTimeoutMs = options.replyTimeoutMs ?? 10_000;
    this.#republishIntervalMs = options.republishIntervalMs ?? 250;
    if (!(this.#replyTimeoutMs > 0) || !(this.#republishIntervalMs > 0)) {
      throw new TypeError('ControlClient: replyTimeoutMs and republishIntervalMs must be > 0');
    }
    this.#subscriber.on('message', (channel: string, message: string) => {
      this.#onMessage(channel, message);
    });
  }

  /**
   * Sends a command and returns the EgressInfo the worker answers with.
   * @throws deadline_exceeded when the worker does not answer in time.
   * @throws the EgressError the worker answered with.
   */
  async send(command: ControlCommand): Promise<EgressInfo> {
    if (this.#isClosed) throw EgressError.unavailable('the bridge is shutting down');
    const requestId = randomUUID();
    const replyTo = egressReplyChannel(requestId);
    const message = encodeControlMessage({ ...command, requestId, replyTo } as ControlMessageInput);
    const channel = egressControlChannel(command.egressId);

    const reply = new Promise<EgressInfo>((resolve, reject) => {
      this.#pending.set(replyTo, { resolve, reject });
    });
    let timer: NodeJS.Timeout | undefined;
    let republish: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const seconds = Math.round(this.#replyTimeoutMs / 100) / 10;
        reject(
          EgressError.deadlineExceeded(
            `egress ${command.egressId} did not answer within ${seconds} s`,
          ),
        );
      }, this.#replyTimeoutMs);
    });
    try {
      await this.#subscriber.subscribe(replyTo);
      const publish = async () => {
        const receivers = await this.#publisher.publish(channel, message);
        if (receivers === 0 && !this.#isClosed) {
          republish = setTimeout(() => {
            void publish().catch((err: unknown) =>
              this.#log.warn({ err, egressId: command.egressId }, 'control publish failed'),
            );
          }, this.#republishIntervalMs);
        }
      };
      await publish();
      return await Promise.race([reply, timeout]);
    } finally {
      clearTimeout(timer);
      clearTimeout(republish);
      this.#pending.delete(replyTo);
      await this.#subscriber.unsubscribe(replyTo).catch((err: unknown) => {
        // The subscription dies with the connection anyway; nothing else to undo.
        this.#log.debug({ err }, 'unsubscribe failed');
      });
    }
  }

  /** Fails pending requests and closes the subscriber connection. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const pending of this.#pending.values()) {
      pending.reject(EgressError.unavailable('the bridge is shutting down'));
    }
    this.#pending.clear();
    await this.#subscriber.quit().catch((err: unknown) => {
      // Already closed or Redis gone: either way the connection is over.
      this.#log.debug({ err }, 'subscriber quit failed');
    });
  }

  #onMessage(channel: string, raw: string): void {
    const pending = this.#pending.get(channel);
    if (!pending) return;
    let reply: ReturnType<typeof parseControlReply>;
    try {
      reply = parseControlReply(raw);
    } catch (err) {
      pending.reject(EgressError.internal('the worker sent a malformed control reply', err));
      return;
    }
    if (egressReplyChannel(reply.requestId) !== channel) return;
    try {
      pending.resolve(controlReplyResult(reply));
    } catch (err) {
      // controlReplyResult throws the EgressError the worker answered with.
      pending.reject(EgressError.from(err));
    }
  }
}
