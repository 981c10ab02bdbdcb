/** Options for {@link ToneGenerator}. */
export interface ToneGeneratorOptions {
  /** @defaultValue 48000 */
  sampleRate?: number;
  /**
   * Samples per frame and channel (10 ms at 48 kHz).
   * @defaultValue 480
   */
  samplesPerFrame?: number;
  /**
   * Frequency of the continuous tone in Hz.
   * @defaultValue 440
   */
  frequencyHz?: number;
  /**
   * Peak amplitude (of 32767).
   * @defaultValue 8000
   */
  amplitude?: number;
  /**
   * Instead of a continuous tone: silence, with a 1 kHz beep during the first
   * {@link SYNC_PULSE_MS} of every second (the audio half of the A/V sync signal).
   * @defaultValue false
   */
  isSyncSignal?: boolean;
}

/** How long the sync signal's beep and flash last, from the start of every second. */
export const SYNC_PULSE_MS = 100;
const SYNC_BEEP_HZ = 1000;

/**
 * Mono 16-bit PCM frames of a known signal, counted from sample 0 so sample `n` plays at
 * `n / sampleRate` seconds after the start.
 */
export class ToneGenerator {
  readonly sampleRate: number;
  readonly samplesPerFrame: number;
  readonly #frequencyHz: number;
  readonly #amplitude: number;
  readonly #isSyncSignal: boolean;
  #nextSample = 0;

  constructor(options: ToneGeneratorOptions = {}) {
    this.sampleRate = options.sampleRate ?? 48000;
    this.samplesPerFrame = options.samplesPerFrame ?? 480;
    this.#frequencyHz = options.frequencyHz ?? 440;
    this.#amplitude = options.amplitude ?? 8000;
    this.#isSyncSignal = options.isSyncSignal ?? false;
  }

  /** Samples produced so far. */
  get samplesProduced(): number {
    return this.#nextSample;
  }

  /**
   * Jumps ahead to sample `index`, so the signal follows a wall clock when capture fell behind
   * (the sync signal's beeps must start on the same second as the video's flashes). Never moves
   * back.
   */
  skipTo(index: number): void {
    this.#nextSample = Math.max(this.#nextSample, Math.floor(index));
  }

  /** The next frame's samples. */
  next(): Int16Array {
    const out = new Int16Array(this.samplesPerFrame);
    const pulseSamples = (this.sampleRate * SYNC_PULSE_MS) / 1000;
    for (let i = 0; i < out.length; i++) {
      const n = this.#nextSample + i;
      if (this.#isSyncSignal) {
        const inPulse = n % this.sampleRate < pulseSamples;
        out[i] = inPulse ? this.#sine(n, SYNC_BEEP_HZ) : 0;
      } else {
        out[i] = this.#sine(n, this.#frequencyHz);
      }
    }
    this.#nextSample += out.length;
    return out;
  }

  #sine(n: number, frequencyHz: number): number {
    return Math.round(
      this.#amplitude * Math.sin((2 * Math.PI * frequencyHz * n) / this.sampleRate),
    );
  }
}
