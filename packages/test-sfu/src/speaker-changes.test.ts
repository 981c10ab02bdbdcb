import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { speakerChanges } from './speaker-changes.js';

interface Case {
  name: string;
  input: { previous: Array<[string, number]>; current: Array<[string, number]> };
  want: Array<{ sid: string; level: number; active: boolean }>;
}

const cases: Case[] = [
  { name: 'sends nothing when nobody speaks', input: { previous: [], current: [] }, want: [] },
  {
    name: 'announces a new speaker with its level',
    input: { previous: [], current: [['PA_a', 0.5]] },
    want: [{ sid: 'PA_a', level: 0.5, active: true }],
  },
  {
    name: 'sends nothing for a speaker whose level barely moved',
    input: { previous: [['PA_a', 0.5]], current: [['PA_a', 0.52]] },
    want: [],
  },
  {
    name: 'sends a speaker whose level moved',
    input: { previous: [['PA_a', 0.5]], current: [['PA_a', 0.2]] },
    want: [{ sid: 'PA_a', level: 0.2, active: true }],
  },
  {
    name: 'marks a speaker who stopped inactive',
    input: {
      previous: [
        ['PA_a', 0.5],
        ['PA_b', 0.4],
      ],
      current: [['PA_b', 0.4]],
    },
    want: [{ sid: 'PA_a', level: 0, active: false }],
  },
  {
    name: 'hands over from one speaker to another',
    input: { previous: [['PA_a', 1]], current: [['PA_b', 1]] },
    want: [
      { sid: 'PA_b', level: 1, active: true },
      { sid: 'PA_a', level: 0, active: false },
    ],
  },
];

describe('speakerChanges', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = speakerChanges(new Map(c.input.previous), new Map(c.input.current));
      assert.deepEqual(
        got.map((s) => ({ sid: s.sid, level: s.level, active: s.active })),
        c.want,
      );
    });
  }
});
