import { i420Size } from '@egress/media';
import { blackI420 } from './frame-clock.js';

/** A decoded I420 picture: Y plane, then U and V at half size (rounded up). */
export interface I420Picture {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Where the picture lands inside the output, in output pixels (even, so chroma lines up). */
interface Placement {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Fits pictures of any size into a fixed output size, keeping their aspect ratio (letterbox or
 * pillarbox in black), so a track that changes resolution mid-stream (a simulcast layer switch, a
 * window resize in a screen share) never changes the encoder's input. Nearest-neighbour sampling
 * through per-size index tables: one table lookup per output byte, cheap enough per decoded frame
 * in JavaScript (frames of the output size are passed through untouched).
 */
export class I420Fitter {
  readonly width: number;
  readonly height: number;
  #key = '';
  #columns: Int32Array[] = [];
  #rows: Int32Array[] = [];
  #placement: Placement = { x: 0, y: 0, width: 0, height: 0 };
  #canvas: Buffer | undefined;

  /** @throws RangeError when the output size is not even and positive */
  constructor(width: number, height: number) {
    if (!(width > 0 && height > 0 && width % 2 === 0 && height % 2 === 0)) {
      throw new RangeError(
        `I420Fitter: output size must be even and positive, got ${width}x${height}`,
      );
    }
    this.width = width;
    this.height = height;
  }

  /**
   * The picture at the output size: the input itself when it already has that size, otherwise a
   * new buffer (the caller may keep it; the next call does not reuse it).
   * @throws RangeError when `data` is shorter than its size needs
   */
  fit(picture: I420Picture): Buffer {
    const { width: sw, height: sh, data } = picture;
    if (data.byteLength < i420Size(sw, sh)) {
      throw new RangeError(`I420Fitter: ${data.byteLength} bytes for a ${sw}x${sh} picture`);
    }
    if (sw === this.width && sh === this.height) {
      return Buffer.from(data.buffer, data.byteOffset, i420Size(sw, sh));
    }
    this.#prepare(sw, sh);
    // The black bars never change: start from a black canvas and overwrite the picture's area.
    // biome-ignore lint/style/noNonNullAssertion: #prepare sets the canvas
    const out = Buffer.from(this.#canvas!);
    const p = this.#placement;
    const planes = [
      { src: 0, srcStride: sw, dst: 0, dstStride: this.width, div: 1 },
      {
        src: sw * sh,
        srcStride: Math.ceil(sw / 2),
        dst: this.width * this.height,
        dstStride: this.width / 2,
        div: 2,
      },
      {
        src: sw * sh + Math.ceil(sw / 2) * Math.ceil(sh / 2),
        srcStride: Math.ceil(sw / 2),
        dst: this.width * this.height + (this.width / 2) * (this.height / 2),
        dstStride: this.width / 2,
        div: 2,
      },
    ];
    for (const [i, plane] of planes.entries()) {
      // biome-ignore lint/style/noNonNullAssertion: one table per plane kind, made by #prepare
      const columns = this.#columns[i === 0 ? 0 : 1]!;
      // biome-ignore lint/style/noNonNullAssertion: as above
      const rows = this.#rows[i === 0 ? 0 : 1]!;
      const x0 = p.x / plane.div;
      for (let y = 0; y < rows.length; y++) {
        // biome-ignore lint/style/noNonNullAssertion: y is within the table
        const srcRow = plane.src + rows[y]! * plane.srcStride;
        const dstRow = plane.dst + (p.y / plane.div + y) * plane.dstStride + x0;
        for (let x = 0; x < columns.length; x++) {
          // biome-ignore lint/style/noNonNullAssertion: x is within the table
          out[dstRow + x] = data[srcRow + columns[x]!]!;
        }
      }
    }
    return out;
  }

  #prepare(sw: number, sh: number): void {
    const key = `${sw}x${sh}`;
    if (key === this.#key) return;
    this.#key = key;
    const scale = Math.min(this.width / sw, this.height / sh);
    const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
    const width = Math.min(this.width, even(sw * scale));
    const height = Math.min(this.height, even(sh * scale));
    this.#placement = {
      x: 2 * Math.floor((this.width - width) / 4),
      y: 2 * Math.floor((this.height - height) / 4),
      width,
      height,
    };
    const table = (outLength: number, inLength: number) =>
      Int32Array.from({ length: outLength }, (_, i) =>
        Math.min(inLength - 1, Math.floor(((i + 0.5) * inLength) / outLength)),
      );
    this.#columns = [table(width, sw), table(width / 2, Math.ceil(sw / 2))];
    this.#rows = [table(height, sh), table(height / 2, Math.ceil(sh / 2))];
    this.#canvas ??= blackI420(this.width, this.height);
  }
}
