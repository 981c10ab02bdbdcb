/** Options of {@link PcmTimeline}. */
export interface PcmTimelineOptions {
  /** @defaultValue 48000 */
  sampleRate?: number;
  /** Interleaved channels. @defaultValue 2 */
  channels?: number;
  /**
   * Audio missing for longer than this is filled with silence, milliseconds. Shorter gaps are
   * left alone: on a loaded machine frames arrive late in bursts, and filling those would push
   * the real audio ahead of the clock. @defaultValue 300
   */
  maxGapMs?: number;
  /**
   * Frames that would put the stream further ahead of the clock are dropped (the tail of a burst
   * after a gap that was already filled), milliseconds. @defaultValue 100
   */
  maxAheadMs?: number;
}

/**
 * Lays decoded PCM frames on the wall clock, so the output's timestamps (the byte position in a
 * raw S16LE stream) follow real time: a gap (mute, packet loss, a stalled decoder) becomes
 * silence of the same length, never a speed change, and a burst that would run ahead of the
 * clock is dropped. rtc-node's AudioFrame carries no capture time, so the arrival time on a
 * monotonic clock stands in for it; the start is the moment the egress went active.
 */
export class PcmTimeline {
  readonly #sampleRate: number;
  readonly #channels: number;
  readonly #maxGapSamples: number;
  readonly #maxAheadSamples: number;
  readonly #startMs: number;
  #written = 0;

  /** @param startMs the time the output starts, on the same clock as every later call. */
  constructor(startMs: number, options: PcmTimelineOptions = {}) {
    this.#sampleRate = options.sampleRate ?? 48_000;
    this.#channels = options.channels ?? 2;
    this.#maxGapSamples = this.#samplesIn(options.maxGapMs ?? 300);
    this.#maxAheadSamples = this.#samplesIn(options.maxAheadMs ?? 100);
    this.#startMs = startMs;
    for (const [name, value] of [
      ['sampleRate', this.#sampleRate],
      ['channels', this.#channels],
    ] as const) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new TypeError(`PcmTimeline: ${name} must be a positive integer`);
      }
    }
  }

  /** Samples per channel written so far. */
  get writtenSamples(): number {
    return this.#written;
  }

  /** Milliseconds of audio written so far. */
  get writtenMs(): number {
    return (this.#written * 1000) / this.#sampleRate;
  }

  /**
   * The chunks to write for a frame that arrived at `nowMs` (ending then): silence for a gap
   * before it, then the frame; nothing when the frame would run too far ahead of the clock.
   */
  push(nowMs: number, pcm: Int16Array): Buffer[] {
    const frameSamples = pcm.length / this.#channels;
    const expected = this.#samplesIn(nowMs - this.#startMs);
    const chunks: Buffer[] = [];
    const behind = expected - frameSamples - this.#written;
    if (behind > this.#maxGapSamples) chunks.push(this.#silence(behind));
    if (this.#written + frameSamples - expected > this.#maxAheadSamples) return chunks;
    chunks.push(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    this.#written += frameSamples;
    return chunks;
  }

  /**
   * Silence up to `nowMs` when no frame came for longer than the allowed gap (or always, with
   * `isFinal`, at the end of the output); otherwise nothing.
   */
  fill(nowMs: number, isFinal = false): Buffer[] {
    const behind = this.#samplesIn(nowMs - this.#startMs) - this.#written;
    if (behind <= 0 || (!isFinal && behind <= this.#maxGapSamples)) return [];
    return [this.#silence(behind)];
  }

  #samplesIn(ms: number): number {
    return Math.round((ms * this.#sampleRate) / 1000);
  }

  #silence(samples: number): Buffer {
    this.#written += samples;
    return Buffer.alloc(samples * this.#channels * 2);
  }
}
