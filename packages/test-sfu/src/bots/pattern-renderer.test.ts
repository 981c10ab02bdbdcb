import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatternRenderer, readFrameCounter } from './pattern-renderer.js';

describe('PatternRenderer', () => {
  for (const index of [0, 1, 29, 300, 65_535]) {
    it(`draws frame number ${index} so it reads back`, () => {
      const renderer = new PatternRenderer({ width: 320, height: 240, fps: 30 });
      assert.equal(readFrameCounter(renderer.render(index), 320), index);
    });
  }

  it('flashes white during the first 100 ms of every second with the sync signal', () => {
    const renderer = new PatternRenderer({ width: 64, height: 48, fps: 30, isSyncSignal: true });
    const flashes = Array.from({ length: 62 }, (_, i) => i).filter((i) => renderer.isFlash(i));
    assert.deepEqual(flashes, [0, 1, 2, 30, 31, 32, 60, 61]);
    assert.ok(renderer.render(31).every((v) => v === 255));
    assert.ok(!renderer.render(15).every((v) => v === 255));
  });

  it('never flashes without the sync signal', () => {
    const renderer = new PatternRenderer({ width: 64, height: 48, fps: 30 });
    assert.equal(renderer.isFlash(0), false);
  });

  it('rejects a frame too small for the counter', () => {
    assert.throws(() => new PatternRenderer({ width: 16, height: 16, fps: 30 }), /width/);
  });
});
