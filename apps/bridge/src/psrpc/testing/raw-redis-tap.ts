import { Redis } from 'ioredis';

/** One message a {@link RawRedisTap} saw. */
export interface TappedMessage {
  readonly channel: string;
  readonly payload: Buffer;
}

/**
 * A plain Redis connection pair for tests that must see or send exact bytes, bypassing the bus
 * and its channel guard: publish anything, and record everything published on some channels.
 */
export class RawRedisTap {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #messages: TappedMessage[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(url: string) {
    this.#publisher = new Redis(url, { lazyConnect: true });
    this.#subscriber = new Redis(url, { lazyConnect: true });
    this.#subscriber.on('messageBuffer', (channel: Buffer, payload: Buffer) => {
      this.#messages.push({ channel: channel.toString(), payload });
      for (const wake of [...this.#waiters]) wake();
    });
  }

  /** Connects both connections. */
  async start(): Promise<void> {
    await Promise.all([this.#publisher.connect(), this.#subscriber.connect()]);
  }

  /** The connection used to publish, for other commands (TTL, GET) too. */
  get redis(): Redis {
    return this.#publisher;
  }

  /** SUBSCRIBEs and waits for the acknowledgement. */
  async tap(...channels: string[]): Promise<void> {
    await this.#subscriber.subscribe(...channels);
  }

  /** PUBLISHes raw bytes, unchecked. */
  async publish(channel: string, payload: Uint8Array): Promise<void> {
    await this.#publisher.publish(channel, Buffer.from(payload));
  }

  /** Everything seen on `channel` so far, oldest first. */
  seen(channel: string): TappedMessage[] {
    return this.#messages.filter((m) => m.channel === channel);
  }

  /** Resolves with the `count`-th message seen on `channel` (1-based). */
  async next(channel: string, count = 1, timeoutMs = 5000): Promise<TappedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen(channel)[count - 1];
      if (found) return found;
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) throw new Error(`no message ${count} on ${channel} in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, leftMs);
        this.#waiters.add(done);
      });
    }
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    this.#waiters.clear();
    await Promise.allSettled([this.#publisher.quit(), this.#subscriber.quit()]);
    this.#publisher.disconnect();
    this.#subscriber.disconnect();
  }
}
