import { EgressError, type Logger } from '@egress/protocol';
import { type GstExit, GstProcess } from '../gst/gst-process.js';
import {
  type StreamTarget,
  type StreamTracks,
  streamDestinationArgs,
} from './stream-destination.js';

/** Options of {@link StreamFanout}. */
export interface StreamFanoutOptions {
  /** Port of the encoder pipeline's `tcpserversink`. */
  port: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** The tracks the stream carries (RTMP destinations remux each). @defaultValue both */
  tracks?: StreamTracks;
  logger: Logger;
  /** @defaultValue 'gst-launch-1.0' */
  gstLaunchPath?: string;
  /** EOS deadline of each destination on removal. @defaultValue 10000 */
  stopDeadlineMs?: number;
  /** Called when a destination process exits on its own (not through `remove` or `close`). */
  onExit?: (id: string, exit: GstExit) => void;
}

/**
 * The stream destinations of one egress, each its own `gst-launch-1.0` process reading the
 * encoder's loopback stream: UpdateStream adds and removes them without touching the recording,
 * and a failing one ends alone. Retrying a failed destination is the caller's choice (it can
 * `add` the same id again).
 */
export class StreamFanout {
  readonly #options: StreamFanoutOptions;
  readonly #log: Logger;
  readonly #destinations = new Map<string, GstProcess>();
  readonly #removing = new Set<GstProcess>();

  constructor(options: StreamFanoutOptions) {
    if (!Number.isInteger(options.port) || options.port <= 0) {
      throw EgressError.invalidArgument('port must be a positive integer');
    }
    this.#options = options;
    this.#log = options.logger.child({ component: 'stream-fanout' });
  }

  /** Ids of the running destinations. */
  ids(): string[] {
    return [...this.#destinations.keys()];
  }

  /** The process of a destination, if it runs. */
  get(id: string): GstProcess | undefined {
    return this.#destinations.get(id);
  }

  /**
   * Starts a destination process. `id` is the caller's key (e.g. the redacted URL).
   * @throws `already_exists` when `id` runs already.
   */
  add(id: string, target: StreamTarget): GstProcess {
    if (this.#destinations.has(id))
      throw EgressError.alreadyExists(`stream ${id} is already running`);
    const child = GstProcess.start({
      args: streamDestinationArgs({
        port: this.#options.port,
        ...(this.#options.host !== undefined ? { host: this.#options.host } : {}),
        ...(this.#options.tracks !== undefined ? { tracks: this.#options.tracks } : {}),
        target,
      }),
      logger: this.#log.child({ streamId: id }),
      stopDeadlineMs: this.#options.stopDeadlineMs ?? 10_000,
      ...(this.#options.gstLaunchPath !== undefined
        ? { gstLaunchPath: this.#options.gstLaunchPath }
        : {}),
    });
    this.#destinations.set(id, child);
    void child.exited
      .then((exit) => {
        if (this.#destinations.get(id) === child) this.#destinations.delete(id);
        if (this.#removing.has(child)) return;
        this.#log.debug({ streamId: id, code: exit.code }, 'stream destination exited');
        this.#options.onExit?.(id, exit);
      })
      .catch((err: unknown) => {
        // a throwing onExit must not become an unhandled rejection of the worker
        this.#log.error({ err, streamId: id }, 'stream exit handler failed');
      });
    return child;
  }

  /** Stops one destination with EOS; undefined when it was not running. */
  async remove(id: string): Promise<GstExit | undefined> {
    const child = this.#destinations.get(id);
    if (!child) return undefined;
    this.#removing.add(child);
    this.#destinations.delete(id);
    return child.stop();
  }

  /** Stops every destination. */
  async close(): Promise<void> {
    await Promise.all(this.ids().map((id) => this.remove(id)));
  }
}
