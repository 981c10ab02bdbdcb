import {
  EgressError,
  type Logger,
  msToNs,
  parseStreamUrl,
  redactStreamUrl,
} from '@egress/protocol';
import { type EgressInfo, EgressStatus, StreamInfo, StreamInfo_Status } from '@livekit/protocol';
import { type GstExit, GstProcess } from '../gst/gst-process.js';
import type { StreamTarget } from '../stream/stream-destination.js';
import { StreamFanout } from '../stream/stream-fanout.js';
import type { ResolvedStreamOutput } from './egress-outputs.js';

/**
 * How a failing stream destination is retried. Each retry waits `firstDelayMs`, doubled after
 * every failed retry up to `maxDelayMs`; the destination is given up (FAILED in
 * `stream_results`) after `maxRetries` retries in a row, or once it has been down `maxDownMs`.
 * A destination that ran `progressMs` before failing made real progress: its count and down
 * time start again, so a stream that drops now and then is always retried. Go instead resets a
 * failed RTMP sink only when it had made progress and was down under 30 s; this keeps the same
 * spirit with a bounded number of quick retries for a URL that never connects.
 */
export const STREAM_RETRY = {
  firstDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetries: 5,
  maxDownMs: 60_000,
  progressMs: 30_000,
} as const;

/** Retry bookkeeping of one stream destination, keyed by its redacted URL. */
interface StreamState {
  target: StreamTarget;
  /** When the current attempt started. */
  startedAtMs: number;
  /** Retries in a row since the destination last made progress. */
  retries: number;
  /** When the destination went down (0 while it runs). */
  downSinceMs: number;
  timer?: NodeJS.Timeout;
}

/** Options of {@link StreamOutputs}. */
export interface StreamOutputsOptions {
  /** The URLs and the tracks the encoder's stream carries. */
  plan: ResolvedStreamOutput;
  /** Port of the encoder pipeline's stream server (`StreamOutputSpec.port`). */
  port: number;
  logger: Logger;
  /** The egress's latest info; stream results are read from it. */
  getInfo: () => EgressInfo;
  /** Publishes an info with changed stream results. */
  setInfo: (info: EgressInfo) => void;
  /** Whether the egress is ending: exits are then expected and not retried. */
  isStopping: () => boolean;
  /** Whether the egress has a file, segment or image output that goes on without streams. */
  hasOtherOutputs: boolean;
  /**
   * No stream is left and no other output exists: `removed` after UpdateStream removed the last
   * one (Go ends the egress, `streamsStopped`), `failed` after the last one was given up.
   */
  onNoOutputLeft: (cause: 'removed' | 'failed') => void;
}

/**
 * The RTMP/SRT destinations of one egress: each its own process reading the encoder's stream
 * server ({@link StreamFanout}), retried with backoff when it fails ({@link STREAM_RETRY}),
 * added and removed by UpdateStream, and reported in `stream_results`.
 */
export class StreamOutputs {
  readonly #options: StreamOutputsOptions;
  readonly #log: Logger;
  readonly #fanout: StreamFanout;
  readonly #streams = new Map<string, StreamState>();

  /** Starts every destination of the plan. */
  constructor(options: StreamOutputsOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.#fanout = new StreamFanout({
      port: options.port,
      tracks: { hasVideo: options.plan.hasVideo, hasAudio: options.plan.hasAudio },
      logger: options.logger,
      onExit: (id, exit) => this.#onExit(id, exit),
    });
    for (const url of options.plan.urls) {
      this.#add(url.redacted, { kind: url.protocol === 'srt' ? 'srt' : 'rtmp', url: url.url });
    }
  }

  /** Whether a destination is still ACTIVE in the stream results. */
  hasActive(): boolean {
    return this.#options.getInfo().streamResults.some((s) => s.status === StreamInfo_Status.ACTIVE);
  }

  /**
   * UpdateStream: adds and removes destinations, keeping the others running.
   * @throws `invalid_argument` listing each URL that could not be added or removed (the others
   * are applied).
   */
  update(add: readonly string[], remove: readonly string[]): void {
    const { plan } = this.#options;
    const next = this.#options.getInfo().clone();
    const nowNs = msToNs(Date.now());
    const errors: string[] = [];
    for (const raw of add) {
      try {
        const url = parseStreamUrl(raw, plan.protocol);
        if (this.#streams.has(url.redacted)) continue;
        this.#add(url.redacted, { kind: plan.protocol, url: url.url });
        next.streamResults.push(
          new StreamInfo({ url: url.redacted, status: StreamInfo_Status.ACTIVE, startedAt: nowNs }),
        );
      } catch (err) {
        errors.push(EgressError.from(err).message);
      }
    }
    for (const raw of remove) {
      const redacted = redactStreamUrl(raw);
      const stream = next.streamResults.find(
        (s) => s.url === redacted && s.status === StreamInfo_Status.ACTIVE,
      );
      if (!stream) {
        errors.push(`stream ${redacted} is not an active output of this egress`);
        continue;
      }
      stream.status = StreamInfo_Status.FINISHED;
      stream.endedAt = nowNs;
      if (stream.startedAt > 0n) stream.duration = nowNs - stream.startedAt;
      clearTimeout(this.#streams.get(redacted)?.timer);
      this.#streams.delete(redacted);
      this.#fanout.remove(redacted).catch((err: unknown) => {
        this.#log.warn({ err, stream: redacted }, 'stream destination did not stop cleanly');
      });
    }
    next.updatedAt = nowNs;
    this.#options.setInfo(next);
    if (!this.#options.hasOtherOutputs && !this.hasActive())
      this.#options.onNoOutputLeft('removed');
    if (errors.length > 0) throw EgressError.invalidArgument(errors.join('; '));
  }

  /** Cancels pending retries (the egress is ending); destinations run until {@link close}. */
  cancelRetries(): void {
    for (const state of this.#streams.values()) clearTimeout(state.timer);
  }

  /** Stops every destination (after the encoder's EOS). */
  async close(): Promise<void> {
    this.cancelRetries();
    await this.#fanout.close();
  }

  #add(id: string, target: StreamTarget): void {
    this.#fanout.add(id, target);
    this.#streams.set(id, { target, startedAtMs: Date.now(), retries: 0, downSinceMs: 0 });
  }

  /** A destination exited on its own: retry it with backoff, or mark it FAILED and go on. */
  #onExit(id: string, exit: GstExit): void {
    if (this.#options.isStopping()) return;
    const state = this.#streams.get(id);
    const info = this.#options.getInfo();
    const isActive = info.streamResults.some(
      (s) => s.url === id && s.status === StreamInfo_Status.ACTIVE,
    );
    if (!state || !isActive) return;
    const nowMs = Date.now();
    if (nowMs - state.startedAtMs >= STREAM_RETRY.progressMs) {
      state.retries = 0;
      state.downSinceMs = 0;
    }
    if (state.downSinceMs === 0) state.downSinceMs = nowMs;
    if (
      state.retries < STREAM_RETRY.maxRetries &&
      nowMs - state.downSinceMs < STREAM_RETRY.maxDownMs
    ) {
      const delayMs = Math.min(
        STREAM_RETRY.firstDelayMs * 2 ** state.retries,
        STREAM_RETRY.maxDelayMs,
      );
      state.retries += 1;
      this.#log.warn(
        { stream: id, retry: state.retries, delayMs, error: exit.error },
        'stream destination failed, retrying',
      );
      state.timer = setTimeout(() => this.#retry(id, state), delayMs);
      return;
    }

    this.#streams.delete(id);
    const next = info.clone();
    const nowNs = msToNs(nowMs);
    const stream = next.streamResults.find(
      (s) => s.url === id && s.status === StreamInfo_Status.ACTIVE,
    );
    if (!stream) return;
    stream.status = StreamInfo_Status.FAILED;
    // the gst error line is redacted and the id is the redacted URL: no stream key in here
    stream.error =
      GstProcess.failure(exit, `stream failed after ${state.retries} retries`).message.split(
        '\n',
      )[0] ?? '';
    stream.endedAt = nowNs;
    if (stream.startedAt > 0n) stream.duration = nowNs - stream.startedAt;
    next.updatedAt = nowNs;
    this.#log.warn({ stream: id, retries: state.retries }, 'stream destination given up');
    this.#options.setInfo(next);
    if (!this.#options.hasOtherOutputs && !this.hasActive()) this.#options.onNoOutputLeft('failed');
  }

  #retry(id: string, state: StreamState): void {
    state.timer = undefined;
    if (this.#options.isStopping()) return;
    if (this.#streams.get(id) !== state) return; // removed meanwhile
    const nowMs = Date.now();
    try {
      this.#fanout.add(id, state.target);
    } catch (err) {
      this.#log.warn({ err, stream: id }, 'stream destination did not restart');
      return;
    }
    state.startedAtMs = nowMs;
    const next = this.#options.getInfo().clone();
    const stream = next.streamResults.find(
      (s) => s.url === id && s.status === StreamInfo_Status.ACTIVE,
    );
    if (!stream) return;
    stream.retries += 1;
    stream.lastRetryAt = msToNs(nowMs);
    next.updatedAt = msToNs(nowMs);
    this.#options.setInfo(next);
  }
}

/** The info with every ACTIVE stream result that has no start time started at `nowMs`. */
export function withStreamsStarted(info: EgressInfo, nowMs: number): EgressInfo {
  const next = info.clone();
  const nowNs = msToNs(nowMs);
  for (const stream of next.streamResults) {
    if (stream.status === StreamInfo_Status.ACTIVE && stream.startedAt === 0n) {
      stream.startedAt = nowNs;
    }
  }
  return next;
}

/**
 * UpdateStream on an egress: applies the change to its stream outputs.
 * @throws `failed_precondition` before the egress is ACTIVE; `invalid_argument` without a stream
 * output, or for URLs that could not be added or removed.
 */
export function updateStreamOutputs(
  info: EgressInfo,
  streams: StreamOutputs | undefined,
  add: readonly string[],
  remove: readonly string[],
): void {
  if (info.status !== EgressStatus.EGRESS_ACTIVE) {
    throw EgressError.failedPrecondition(
      `egress ${info.egressId} is not active; update streams once it is ACTIVE`,
    );
  }
  if (!streams) {
    throw EgressError.invalidArgument(
      'this egress has no stream output; start it with a stream output to add or remove streams',
    );
  }
  streams.update(add, remove);
}
