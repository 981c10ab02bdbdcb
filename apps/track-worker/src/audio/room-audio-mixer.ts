/** Options of {@link RoomAudioMixer}. */
export interface RoomAudioMixerOptions {
  /** @defaultValue 48000 */
  sampleRate?: number;
  /** Interleaved channels. @defaultValue 2 */
  channels?: number;
  /**
   * How far the mix trails the clock, milliseconds: frames that arrive this late still make it
   * into the mix (a loaded machine delivers frames in bursts). @defaultValue 400
   */
  latencyMs?: number;
  /**
   * A track's frames that follow its previous frame within this gap are laid end to end (arrival
   * jitter); a longer gap (mute, loss) starts the next frame at its arrival time, leaving silence
   * in between, milliseconds. @defaultValue 300
   */
  maxGapMs?: number;
  /**
   * A track's frames that would run further ahead of the clock are dropped (the tail of a burst),
   * milliseconds. @defaultValue 100
   */
  maxAheadMs?: number;
}

interface Chunk {
  /** Position of the first sample on the mix timeline, samples per channel. */
  at: number;
  pcm: Int16Array;
}

/**
 * Where a track is heard: both channels, or downmixed to mono in one (Go's `AudioChannel`,
 * chosen by the request's `audio_mixing`). One channel needs stereo output.
 */
export type MixChannel = 'both' | 'left' | 'right';

interface Input {
  channel: MixChannel;
  chunks: Chunk[];
  /** Where the next contiguous frame goes; undefined before the first frame. */
  next: number | undefined;
}

/**
 * Mixes the room's audio tracks on the wall clock (Go's SDK audio room composite mixes with
 * GStreamer's audiomixer; egress-go-behavior.md §5): each decoded S16LE frame is placed on one
 * shared timeline by its arrival time, and {@link mix} sums every track up to `latencyMs` behind
 * the clock, with saturation. A silent, muted or missing track adds nothing, so the output keeps
 * real time whatever the tracks do: gaps become silence, never a speed change.
 */
export class RoomAudioMixer {
  readonly #sampleRate: number;
  readonly #channels: number;
  readonly #latencySamples: number;
  readonly #maxGapSamples: number;
  readonly #maxAheadSamples: number;
  readonly #startMs: number;
  readonly #inputs = new Map<string, Input>();
  #mixed = 0;

  /** @param startMs the time the output starts, on the same clock as every later call. */
  constructor(startMs: number, options: RoomAudioMixerOptions = {}) {
    this.#sampleRate = options.sampleRate ?? 48_000;
    this.#channels = options.channels ?? 2;
    for (const [name, value] of [
      ['sampleRate', this.#sampleRate],
      ['channels', this.#channels],
    ] as const) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new TypeError(`RoomAudioMixer: ${name} must be a positive integer`);
      }
    }
    this.#latencySamples = this.#samplesIn(options.latencyMs ?? 400);
    this.#maxGapSamples = this.#samplesIn(options.maxGapMs ?? 300);
    this.#maxAheadSamples = this.#samplesIn(options.maxAheadMs ?? 100);
    this.#startMs = startMs;
  }

  /** Milliseconds of audio mixed so far. */
  get mixedMs(): number {
    return (this.#mixed * 1000) / this.#sampleRate;
  }

  /** Ids of the tracks being mixed. */
  get trackIds(): string[] {
    return [...this.#inputs.keys()];
  }

  /** Adds a track, heard in `channel` (a no-op for one already added). */
  addTrack(trackId: string, channel: MixChannel = 'both'): void {
    if (channel !== 'both' && this.#channels !== 2) {
      throw new TypeError(`RoomAudioMixer: the ${channel} channel needs stereo output`);
    }
    if (!this.#inputs.has(trackId)) {
      this.#inputs.set(trackId, { channel, chunks: [], next: undefined });
    }
  }

  /** Removes a track; what it sent and was not mixed yet is dropped. */
  removeTrack(trackId: string): void {
    this.#inputs.delete(trackId);
  }

  /** Places a decoded frame of a track that arrived (ended) at `nowMs`. */
  push(trackId: string, nowMs: number, pcm: Int16Array): void {
    const input = this.#inputs.get(trackId);
    if (!input) return;
    const frameSamples = pcm.length / this.#channels;
    const arrivedAt = this.#samplesIn(nowMs - this.#startMs) - frameSamples;
    let at = input.next ?? arrivedAt;
    if (arrivedAt - at > this.#maxGapSamples) at = arrivedAt;
    if (at - arrivedAt > this.#maxAheadSamples) return;
    input.next = at + frameSamples;
    // Too late for the mix (behind what was already written): nothing of it can be used.
    if (input.next <= this.#mixed) return;
    input.chunks.push({ at, pcm });
  }

  /**
   * The mix from where the previous call stopped up to `latencyMs` behind `nowMs` (up to `nowMs`
   * itself with `isFinal`, at the end of the output), as interleaved S16LE; an empty buffer when
   * there is nothing new yet.
   */
  mix(nowMs: number, isFinal = false): Buffer {
    const clock = this.#samplesIn(nowMs - this.#startMs);
    const until = isFinal ? clock : clock - this.#latencySamples;
    const count = until - this.#mixed;
    if (count <= 0) return Buffer.alloc(0);
    const channels = this.#channels;
    const sum = new Int32Array(count * channels);
    for (const input of this.#inputs.values()) {
      let kept = 0;
      for (const chunk of input.chunks) {
        const frameSamples = chunk.pcm.length / channels;
        const from = Math.max(chunk.at, this.#mixed);
        const to = Math.min(chunk.at + frameSamples, until);
        const pcm = chunk.pcm;
        const srcStart = (from - chunk.at) * channels;
        const offset = (from - this.#mixed) * channels - srcStart;
        const srcEnd = (to - chunk.at) * channels;
        if (input.channel === 'both') {
          for (let i = srcStart; i < srcEnd; i++) {
            sum[i + offset] = (sum[i + offset] ?? 0) + (pcm[i] ?? 0);
          }
        } else {
          // Stereo only (checked in addTrack): the mono downmix goes to one side.
          const side = input.channel === 'left' ? 0 : 1;
          for (let i = srcStart; i < srcEnd; i += 2) {
            const mono = ((pcm[i] ?? 0) + (pcm[i + 1] ?? 0)) >> 1;
            sum[i + offset + side] = (sum[i + offset + side] ?? 0) + mono;
          }
        }
        // A chunk that reaches past this mix stays for the next one.
        if (chunk.at + frameSamples > until) input.chunks[kept++] = chunk;
      }
      input.chunks.length = kept;
    }
    // Int16Array is host-endian: little-endian on every platform this runs on (x86-64, arm64).
    const out = new Int16Array(sum.length);
    for (let i = 0; i < sum.length; i++) {
      const v = sum[i] ?? 0;
      out[i] = Math.min(32767, Math.max(-32768, v));
    }
    this.#mixed = until;
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  #samplesIn(ms: number): number {
    return Math.round((ms * this.#sampleRate) / 1000);
  }
}
