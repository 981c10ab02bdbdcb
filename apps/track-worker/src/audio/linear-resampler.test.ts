import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinearResampler } from './linear-resampler.js';

const RATE = 48_000;
const FRAME = 960;

/** `frames` stereo frames of a 1 kHz sine, both channels alike. */
function sineFrames(frames: number): Int16Array[] {
  return Array.from({ length: frames }, (_, f) => {
    const frame = new Int16Array(FRAME * 2);
    for (let i = 0; i < FRAME; i++) {
      const v = Math.round(10_000 * Math.sin((2 * Math.PI * 1000 * (f * FRAME + i)) / RATE));
      frame[i * 2] = v;
      frame[i * 2 + 1] = v;
    }
    return frame;
  });
}

function joined(chunks: Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

describe('LinearResampler', () => {
  it('copies frames unchanged at step 1', () => {
    const resampler = new LinearResampler(2);
    const input = sineFrames(3);
    assert.deepEqual(joined(input.map((f) => resampler.process(f, 1))), joined(input));
  });

  it('shortens 50 frames by 0.5 % without a jump where frames meet', () => {
    const resampler = new LinearResampler(2);
    const out = joined(sineFrames(50).map((f) => resampler.process(f, 1.005)));
    const samples = out.length / 2;
    assert.ok(Math.abs(samples - (50 * FRAME) / 1.005) <= 1, `${samples}`);
    // A 1 kHz sine at 10 000 moves by at most ~1 310 a sample; a gap or a seam jumps further.
    for (let i = 1; i < samples; i++) {
      const jump = Math.abs((out[i * 2] ?? 0) - (out[(i - 1) * 2] ?? 0));
      assert.ok(jump < 1_400, `sample ${i}: jump ${jump}`);
    }
  });

  it('lengthens frames by their step and carries the remainder', () => {
    const resampler = new LinearResampler(2);
    const lengths = sineFrames(10).map((f) => resampler.process(f, 1 / 1.005).length / 2);
    const total = lengths.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 10 * FRAME * 1.005) <= 1, `${total}`);
    for (const n of lengths) assert.ok(n === 964 || n === 965, `${n}`);
  });
});
