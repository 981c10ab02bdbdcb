import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ToneGenerator } from './tone-generator.js';

const meanAbs = (samples: Int16Array) =>
  samples.reduce((sum, s) => sum + Math.abs(s), 0) / samples.length;

describe('ToneGenerator', () => {
  it('makes a continuous tone with the expected level', () => {
    const tone = new ToneGenerator({ amplitude: 8000 });
    const second = Int16Array.from(Array.from({ length: 100 }, () => [...tone.next()]).flat());
    // 2·8000/π for a sine of peak 8000.
    assert.ok(Math.abs(meanAbs(second) - (2 * 8000) / Math.PI) < 50);
    assert.equal(tone.samplesProduced, 48_000);
  });

  it('beeps during the first 100 ms of every second and is silent otherwise', () => {
    const tone = new ToneGenerator({ isSyncSignal: true });
    const levels = Array.from({ length: 200 }, () => meanAbs(tone.next()));
    const loud = levels.flatMap((level, i) => (level > 1000 ? [i] : []));
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 10 }, (_, i) => 100 + i),
    ];
    assert.deepEqual(loud, expected);
    assert.ok(levels.every((level) => level > 1000 || level === 0));
  });
});
