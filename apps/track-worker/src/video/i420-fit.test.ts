import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { i420Size } from '@egress/media';
import { I420Fitter } from './i420-fit.js';

/** A picture whose Y plane is `y` everywhere and whose chroma is `uv`. */
function flat(width: number, height: number, y: number, uv: number) {
  const data = new Uint8Array(i420Size(width, height)).fill(uv);
  data.fill(y, 0, width * height);
  return { width, height, data };
}

const lumaAt = (frame: Buffer, width: number, x: number, y: number) => frame[y * width + x];

describe('I420Fitter', () => {
  it('passes a picture of the output size through unchanged', () => {
    const picture = flat(64, 48, 200, 90);
    const out = new I420Fitter(64, 48).fit(picture);
    assert.equal(out.length, i420Size(64, 48));
    assert.deepEqual([...out], [...picture.data]);
  });

  const cases = [
    {
      name: 'scales a smaller picture of the same aspect up to fill the output',
      input: [32, 24],
      want: { x: 0, y: 0, w: 64, h: 48 },
    },
    { name: 'scales a larger picture down', input: [640, 480], want: { x: 0, y: 0, w: 64, h: 48 } },
    {
      name: 'pillarboxes a narrower picture (black left and right)',
      input: [24, 24],
      want: { x: 8, y: 0, w: 48, h: 48 },
    },
    {
      name: 'letterboxes a wider picture (black above and below)',
      input: [128, 24],
      want: { x: 0, y: 18, w: 64, h: 12 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [w, h] = c.input as [number, number];
      const out = new I420Fitter(64, 48).fit(flat(w, h, 200, 90));
      assert.equal(out.length, i420Size(64, 48));
      const { x, y, w: pw, h: ph } = c.want;
      // Inside the picture: its luma; outside: black (16).
      assert.equal(lumaAt(out, 64, x, y), 200);
      assert.equal(lumaAt(out, 64, x + pw - 1, y + ph - 1), 200);
      if (x > 0) assert.equal(lumaAt(out, 64, x - 1, y), 16);
      if (y > 0) assert.equal(lumaAt(out, 64, x, y - 1), 16);
      if (x + pw < 64) assert.equal(lumaAt(out, 64, x + pw, y), 16);
      if (y + ph < 48) assert.equal(lumaAt(out, 64, x, y + ph), 16);
      // Chroma: the picture's inside, neutral (128) in the bars.
      const u0 = 64 * 48;
      assert.equal(out[u0 + (y / 2) * 32 + x / 2], 90);
      if (x > 0) assert.equal(out[u0], 128);
    });
  }

  it('keeps left-to-right order when it scales (samples, not a flat fill)', () => {
    const picture = flat(4, 2, 0, 128);
    picture.data.set([10, 20, 30, 40, 10, 20, 30, 40]);
    const out = new I420Fitter(8, 4).fit(picture);
    assert.deepEqual([...out.subarray(0, 8)], [10, 10, 20, 20, 30, 30, 40, 40]);
  });

  it('handles odd input sizes and a size change between calls', () => {
    const fitter = new I420Fitter(64, 48);
    assert.equal(fitter.fit(flat(33, 17, 100, 100)).length, i420Size(64, 48));
    assert.equal(fitter.fit(flat(64, 48, 50, 50))[0], 50);
    assert.equal(fitter.fit(flat(65, 49, 150, 100))[64 * 24 + 32], 150);
  });

  it('rejects an odd output size and a short buffer', () => {
    assert.throws(() => new I420Fitter(63, 48), RangeError);
    assert.throws(
      () => new I420Fitter(64, 48).fit({ width: 32, height: 24, data: new Uint8Array(10) }),
      RangeError,
    );
  });
});
