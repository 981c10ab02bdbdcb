import { SYNC_PULSE_MS } from './tone-generator.js';

/** Bits of the frame counter drawn in the top row. */
export const COUNTER_BITS = 16;

/** Options for {@link PatternRenderer}. */
export interface PatternRendererOptions {
  width: number;
  height: number;
  fps: number;
  /**
   * Draw a white frame during the first {@link SYNC_PULSE_MS} of every second (the video half
   * of the A/V sync signal), the pattern otherwise.
   * @defaultValue false
   */
  isSyncSignal?: boolean;
}

/**
 * RGBA frames of a moving test pattern: a dark background whose shade cycles, a bright bar that
 * moves across, and the frame number as {@link COUNTER_BITS} black/white blocks along the top
 * (most significant bit first) so a recording shows which frames it kept.
 */
export class PatternRenderer {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly #isSyncSignal: boolean;
  readonly #buffer: Uint8Array;

  constructor(options: PatternRendererOptions) {
    if (options.width < COUNTER_BITS * 2 || options.height < 8) {
      throw new Error(`PatternRenderer: width must be >= ${COUNTER_BITS * 2} and height >= 8`);
    }
    this.width = options.width;
    this.height = options.height;
    this.fps = options.fps;
    this.#isSyncSignal = options.isSyncSignal ?? false;
    this.#buffer = new Uint8Array(options.width * options.height * 4);
  }

  /** Whether frame `index` is a sync flash (starts at the same instant as the beep). */
  isFlash(index: number): boolean {
    return this.#isSyncSignal && ((index * 1000) / this.fps) % 1000 < SYNC_PULSE_MS;
  }

  /** Renders frame `index` into a buffer that the next call reuses. */
  render(index: number): Uint8Array {
    const { width, height } = this;
    const buf = this.#buffer;
    if (this.isFlash(index)) {
      buf.fill(255);
      return buf;
    }
    const shade = 32 + ((index * 2) % 64);
    for (let i = 0; i < buf.length; i += 4) {
      buf[i] = shade;
      buf[i + 1] = 24;
      buf[i + 2] = 96 - (shade >> 1);
      buf[i + 3] = 255;
    }
    const barWidth = Math.max(4, width >> 5);
    const barX = (index * 4) % width;
    for (let y = 0; y < height; y++) {
      for (let x = barX; x < Math.min(width, barX + barWidth); x++) {
        const o = (y * width + x) * 4;
        buf[o] = 240;
        buf[o + 1] = 200;
        buf[o + 2] = 40;
      }
    }
    const block = Math.floor(width / (COUNTER_BITS * 2));
    const blockHeight = Math.min(block, height);
    for (let bit = 0; bit < COUNTER_BITS; bit++) {
      const isOne = ((index >>> (COUNTER_BITS - 1 - bit)) & 1) === 1;
      const value = isOne ? 255 : 0;
      for (let y = 0; y < blockHeight; y++) {
        for (let x = bit * block; x < (bit + 1) * block; x++) {
          const o = (y * width + x) * 4;
          buf[o] = value;
          buf[o + 1] = value;
          buf[o + 2] = value;
        }
      }
    }
    return buf;
  }
}

/** Reads the frame counter back from an RGBA frame made by {@link PatternRenderer}. */
export function readFrameCounter(rgba: Uint8Array, width: number): number {
  const block = Math.floor(width / (COUNTER_BITS * 2));
  let value = 0;
  for (let bit = 0; bit < COUNTER_BITS; bit++) {
    const x = bit * block + (block >> 1);
    const y = block >> 1;
    const o = (y * width + x) * 4;
    const luma = ((rgba[o] ?? 0) + (rgba[o + 1] ?? 0) + (rgba[o + 2] ?? 0)) / 3;
    value = (value << 1) | (luma > 128 ? 1 : 0);
  }
  return value;
}
