import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rect, Size } from './layout-geometry.js';
import {
  GRID_MAX_TILES,
  gridDimensions,
  gridRects,
  layoutRects,
  spacingPx,
} from './layout-geometry.js';

const SIZES: Size[] = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
  { width: 640, height: 360 },
  { width: 1080, height: 1920 },
];

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function assertInside(rect: Rect, size: Size, margin: number): void {
  assert.ok(rect.x >= margin && rect.y >= margin, `rect ${JSON.stringify(rect)} leaves the margin`);
  assert.ok(rect.x + rect.width <= size.width - margin, `rect ${JSON.stringify(rect)} too wide`);
  assert.ok(rect.y + rect.height <= size.height - margin, `rect ${JSON.stringify(rect)} too tall`);
}

describe('gridDimensions', () => {
  const cases = [
    { name: 'puts one tile alone', input: 1, want: { columns: 1, rows: 1 } },
    { name: 'puts two tiles side by side', input: 2, want: { columns: 2, rows: 1 } },
    { name: 'puts three tiles in two rows', input: 3, want: { columns: 2, rows: 2 } },
    { name: 'puts four tiles in a square', input: 4, want: { columns: 2, rows: 2 } },
    { name: 'puts six tiles in three columns', input: 6, want: { columns: 3, rows: 2 } },
    { name: 'puts nine tiles in a square', input: 9, want: { columns: 3, rows: 3 } },
    { name: 'puts sixteen tiles in a square', input: 16, want: { columns: 4, rows: 4 } },
    { name: 'puts seventeen tiles in five columns', input: 17, want: { columns: 5, rows: 4 } },
    { name: 'returns an empty grid for no tiles', input: 0, want: { columns: 0, rows: 0 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(gridDimensions(c.input, { width: 1920, height: 1080 }), c.want);
    });
  }

  it('stacks two tiles on a portrait page', () => {
    assert.deepEqual(gridDimensions(2, { width: 1080, height: 1920 }), { columns: 1, rows: 2 });
  });
});

describe('gridRects', () => {
  for (const size of SIZES) {
    it(`places 1 to ${GRID_MAX_TILES} equal 16:9 tiles without overlap on ${size.width}x${size.height}`, () => {
      const margin = spacingPx(size);
      for (let count = 1; count <= GRID_MAX_TILES; count++) {
        const rects = gridRects(count, size);
        assert.equal(rects.length, count);
        for (const [i, rect] of rects.entries()) {
          assertInside(rect, size, margin);
          assert.equal(rect.width, rects[0]?.width);
          assert.equal(rect.height, rects[0]?.height);
          assert.ok(Math.abs(rect.width / rect.height - 16 / 9) < 0.05, `tile ${i} is not 16:9`);
          for (const other of rects.slice(i + 1))
            assert.ok(!overlaps(rect, other), `tiles overlap at ${count}`);
        }
      }
    });
  }

  it('centres a short last row', () => {
    const size = { width: 1920, height: 1080 };
    const [a, b, c] = gridRects(3, size);
    assert.ok(a && b && c);
    assert.equal(c.x - (a.x + a.width / 2) >= 0, true);
    assert.equal(Math.abs(c.x + c.width / 2 - size.width / 2) <= 1, true);
  });

  it('fills the width with one tile on a 16:9 page', () => {
    const [only] = gridRects(1, { width: 1920, height: 1080 });
    assert.ok(only);
    assert.ok(only.width >= 1920 - 2 * 8 - 30, `tile is only ${only.width} wide`);
  });
});

describe('layoutRects', () => {
  it('gives a lone main area the whole page', () => {
    const size = { width: 1280, height: 720 };
    assert.deepEqual(layoutRects({ arrangement: 'focus', tileCount: 0, size }), {
      main: { x: 0, y: 0, width: 1280, height: 720 },
      tiles: [],
      hiddenCount: 0,
    });
  });

  for (const size of SIZES) {
    it(`keeps the strip beside the main area on ${size.width}x${size.height}`, () => {
      for (let count = 1; count <= 20; count++) {
        const { main, tiles, hiddenCount } = layoutRects({
          arrangement: 'focus',
          tileCount: count,
          size,
        });
        assert.ok(main);
        assertInside(main, size, spacingPx(size));
        assert.ok(tiles.length >= 1);
        assert.equal(tiles.length - (hiddenCount > 0 ? 1 : 0) + hiddenCount, count);
        for (const tile of tiles) {
          assertInside(tile, size, spacingPx(size));
          assert.ok(!overlaps(tile, main));
          assert.ok(tile.x > main.x + main.width);
        }
      }
    });
  }

  it('turns the last grid slot into +N past the maximum', () => {
    const result = layoutRects({
      arrangement: 'grid',
      tileCount: 50,
      size: { width: 1920, height: 1080 },
    });
    assert.equal(result.tiles.length, GRID_MAX_TILES);
    assert.equal(result.hiddenCount, 50 - (GRID_MAX_TILES - 1));
  });

  it('has no overflow when every tile fits', () => {
    const result = layoutRects({
      arrangement: 'grid',
      tileCount: 9,
      size: { width: 1920, height: 1080 },
    });
    assert.equal(result.tiles.length, 9);
    assert.equal(result.hiddenCount, 0);
    assert.equal(result.main, undefined);
  });

  it('overflows the strip with a +N slot', () => {
    const result = layoutRects({
      arrangement: 'focus',
      tileCount: 8,
      size: { width: 1920, height: 1080 },
    });
    assert.equal(result.tiles.length, 4);
    assert.equal(result.hiddenCount, 5);
  });
});
