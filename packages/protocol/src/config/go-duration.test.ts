import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoDuration } from './go-duration.js';

const cases: { name: string; input: string; want: number | undefined }[] = [
  { name: 'reads seconds', input: '30s', want: 30_000 },
  { name: 'reads hours and minutes together', input: '1h30m', want: 5_400_000 },
  { name: 'reads every unit in one string', input: '1h1m1s1ms1us1ns', want: 3_661_001.001001 },
  { name: 'reads fractions', input: '1.5h', want: 5_400_000 },
  { name: 'reads a fraction without a leading digit', input: '.5s', want: 500 },
  { name: 'reads a fraction without trailing digits', input: '2.s', want: 2000 },
  { name: 'reads milliseconds', input: '300ms', want: 300 },
  { name: 'reads microseconds with either micro sign', input: '500µs', want: 0.5 },
  { name: 'reads microseconds with the Greek mu', input: '500μs', want: 0.5 },
  { name: 'reads nanoseconds', input: '2000000ns', want: 2 },
  { name: 'rounds to whole nanoseconds', input: '1.1s', want: 1100 },
  { name: 'reads a bare zero', input: '0', want: 0 },
  { name: 'reads a signed value', input: '-2m', want: -120_000 },
  { name: 'reads an explicit plus sign', input: '+2s', want: 2000 },
  { name: 'ignores surrounding spaces', input: ' 5s ', want: 5000 },
  { name: 'rejects a bare number', input: '30', want: undefined },
  { name: 'rejects an unknown unit', input: '3d', want: undefined },
  { name: 'rejects words', input: '30 seconds', want: undefined },
  { name: 'rejects an empty string', input: '', want: undefined },
  { name: 'rejects a unit alone', input: 's', want: undefined },
  { name: 'rejects upper-case units', input: '5S', want: undefined },
  { name: 'rejects trailing garbage', input: '5sx', want: undefined },
  { name: 'rejects a value too big to represent', input: `${'9'.repeat(400)}h`, want: undefined },
];

describe('parseGoDuration', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(parseGoDuration(c.input), c.want);
    });
  }
});
