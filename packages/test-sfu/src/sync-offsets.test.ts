import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, pairOffsets } from './sync-offsets.js';

const pairCases = [
  {
    name: 'pairs each flash with its beep',
    input: { beeps: [0, 1000], flashes: [40, 980] },
    want: [40, -20],
  },
  {
    name: 'skips a flash without a beep nearby',
    input: { beeps: [0], flashes: [10, 1600] },
    want: [10],
  },
  { name: 'finds nothing without beeps', input: { beeps: [], flashes: [10] }, want: [] },
];

describe('pairOffsets', () => {
  for (const c of pairCases) {
    it(c.name, () => {
      assert.deepEqual(pairOffsets(c.input.beeps, c.input.flashes), c.want);
    });
  }
});

const medianCases = [
  { name: 'takes the middle of an odd count', input: [5, -3, 1], want: 1 },
  { name: 'takes the lower middle of an even count', input: [4, 1, 3, 2], want: 2 },
  { name: 'is NaN for nothing', input: [], want: Number.NaN },
];

describe('median', () => {
  for (const c of medianCases) {
    it(c.name, () => {
      assert.deepEqual(median(c.input), c.want);
    });
  }
});
