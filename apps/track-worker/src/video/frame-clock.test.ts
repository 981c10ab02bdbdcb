import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blackI420, framesDueAt } from './frame-clock.js';

describe('framesDueAt', () => {
  const cases = [
    { name: 'holds the first frame at the start', input: { elapsedMs: 0, fps: 30 }, want: 1 },
    { name: 'holds nothing before the start', input: { elapsedMs: -5, fps: 30 }, want: 0 },
    { name: 'adds a frame every 1/fps', input: { elapsedMs: 1000, fps: 30 }, want: 31 },
    { name: 'counts a frame exactly on its time', input: { elapsedMs: 100, fps: 30 }, want: 4 },
    { name: 'does not count a frame before its time', input: { elapsedMs: 99, fps: 30 }, want: 3 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(framesDueAt(c.input.elapsedMs, c.input.fps), c.want);
    });
  }
});

describe('blackI420', () => {
  it('is video-range black in every plane', () => {
    const frame = blackI420(4, 2);
    assert.deepEqual([...frame], [16, 16, 16, 16, 16, 16, 16, 16, 128, 128, 128, 128]);
  });
});
