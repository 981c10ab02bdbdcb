import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rect } from '../layout-geometry.js';
import type { RgbaImage } from './decode-png.js';
import { isNear, layoutProblems, pixelAt, type Rgb } from './screenshot-checks.js';

const BACKGROUND: Rgb = [16, 17, 20];

/** A 120x80 page of `BACKGROUND` with `painted` filled in a video-like colour. */
function page(painted: Rect[]): RgbaImage {
  const width = 120;
  const height = 80;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const isPainted = painted.some(
        (r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height,
      );
      rgba.set(isPainted ? [60, 24, 70, 255] : [...BACKGROUND, 255], (y * width + x) * 4);
    }
  }
  return { width, height, rgba };
}

const LEFT: Rect = { x: 4, y: 4, width: 52, height: 72 };
const RIGHT: Rect = { x: 64, y: 4, width: 52, height: 72 };

describe('layoutProblems', () => {
  const cases = [
    {
      name: 'accepts a page drawn as expected',
      input: { painted: [LEFT, RIGHT], want: [LEFT, RIGHT] },
      want: 0,
    },
    {
      name: 'reports a tile that was not drawn',
      input: { painted: [LEFT], want: [LEFT, RIGHT] },
      want: 1,
    },
    {
      name: 'reports a tile drawn where none belongs',
      input: { painted: [LEFT, RIGHT], want: [LEFT] },
      want: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(
        layoutProblems(page(c.input.painted), c.input.want, BACKGROUND, 3).length,
        c.want,
      );
    });
  }
});

describe('pixelAt', () => {
  it('reads the colour at a pixel', () => {
    assert.deepEqual(pixelAt(page([LEFT]), 10, 10), [60, 24, 70]);
    assert.ok(isNear(pixelAt(page([LEFT]), 60, 10), BACKGROUND));
  });
});
