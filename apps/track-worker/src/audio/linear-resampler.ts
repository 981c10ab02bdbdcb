/**
 * Plays interleaved S16LE audio a little faster or slower, frame by frame, by linear
 * interpolation; the position between samples carries over from one frame to the next, so a
 * stream cut into frames comes out as if it were resampled whole. Meant for rates within a few
 * percent of 1 (moving a stream's placement without a gap or a cut): no low-pass filter.
 */
export class LinearResampler {
  readonly #channels: number;
  /** The previous frame's last sample, per channel. */
  readonly #previous: number[];
  /** Where the next output sample lies, in input samples from the next frame's first (−1…0: between the previous frame's last and it). */
  #position = 0;

  constructor(channels: number) {
    this.#channels = channels;
    this.#previous = new Array<number>(channels).fill(0);
  }

  /**
   * Resamples one frame, `step` input samples per output sample: 1 copies it, above 1 shortens it,
   * below 1 lengthens it. The output holds about `samples / step` samples per channel.
   */
  process(frame: Int16Array, step: number): Int16Array {
    const channels = this.#channels;
    const samples = frame.length / channels;
    const count = Math.max(0, Math.floor((samples - 1 - this.#position) / step) + 1);
    const out = new Int16Array(count * channels);
    for (let i = 0; i < count; i++) {
      const at = this.#position + i * step;
      const index = Math.floor(at);
      const fraction = at - index;
      for (let c = 0; c < channels; c++) {
        const before = index < 0 ? (this.#previous[c] ?? 0) : (frame[index * channels + c] ?? 0);
        const after = frame[(index + 1) * channels + c] ?? before;
        out[i * channels + c] = Math.round(before + (after - before) * fraction);
      }
    }
    this.#position = this.#position + count * step - samples;
    for (let c = 0; c < channels; c++) {
      this.#previous[c] = frame[(samples - 1) * channels + c] ?? 0;
    }
    return out;
  }
}
