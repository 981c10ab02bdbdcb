import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AudioLevel, AudioLevelMeter } from './audio-level-meter.js';

interface Case {
  name: string;
  /** Levels (-dBov) of packets 20 ms apart, ending at 1000 ms. */
  input: number[];
  want: AudioLevel;
}

const cases: Case[] = [
  { name: 'is silent without packets', input: [], want: { isActive: false, level: 0 } },
  {
    name: 'speaks with a steady loud tone',
    input: Array(25).fill(20),
    want: { isActive: true, level: 0.1 },
  },
  {
    name: 'is silent with digital silence',
    input: Array(25).fill(127),
    want: { isActive: false, level: 0 },
  },
  {
    name: 'is silent with a quiet hum below the active level',
    input: Array(25).fill(50),
    want: { isActive: false, level: 0 },
  },
  {
    name: 'speaks when 40 percent of the window is loud',
    input: [...Array(15).fill(127), ...Array(10).fill(20)],
    want: { isActive: true, level: 0.1 },
  },
  {
    name: 'is silent with a short beep (10 percent loud)',
    input: [...Array(22).fill(127), ...Array(3).fill(20)],
    want: { isActive: false, level: 0 },
  },
  {
    name: 'forgets packets older than the window',
    input: [...Array(25).fill(20), ...Array(25).fill(127)],
    want: { isActive: false, level: 0 },
  },
];

describe('AudioLevelMeter', () => {
  for (const c of cases) {
    it(c.name, () => {
      const meter = new AudioLevelMeter();
      const startMs = 1000 - c.input.length * 20;
      for (const [i, level] of c.input.entries()) meter.add(level, startMs + (i + 1) * 20);
      const got = meter.measure(1000);
      assert.equal(got.isActive, c.want.isActive);
      assert.ok(Math.abs(got.level - c.want.level) < 1e-9, `level ${got.level}`);
    });
  }
});
