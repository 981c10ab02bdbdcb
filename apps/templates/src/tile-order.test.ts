import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TileCandidate } from './tile-order.js';
import { orderTiles } from './tile-order.js';

const ids = (list: TileCandidate[]) => list.map((c) => c.identity);

describe('orderTiles', () => {
  const cases: {
    name: string;
    input: { candidates: TileCandidate[]; slots: number };
    want: { shown: string[]; hiddenCount: number };
  }[] = [
    {
      name: 'orders by join time',
      input: {
        candidates: [
          { identity: 'c', joinedAtMs: 3 },
          { identity: 'a', joinedAtMs: 1 },
          { identity: 'b', joinedAtMs: 2 },
        ],
        slots: 10,
      },
      want: { shown: ['a', 'b', 'c'], hiddenCount: 0 },
    },
    {
      name: 'breaks join-time ties by identity',
      input: {
        candidates: [
          { identity: 'z', joinedAtMs: 5 },
          { identity: 'y', joinedAtMs: 5 },
        ],
        slots: 10,
      },
      want: { shown: ['y', 'z'], hiddenCount: 0 },
    },
    {
      name: 'puts participants without a join time last',
      input: { candidates: [{ identity: 'a' }, { identity: 'b', joinedAtMs: 9 }], slots: 10 },
      want: { shown: ['b', 'a'], hiddenCount: 0 },
    },
    {
      name: 'keeps join order when someone speaks',
      input: {
        candidates: [
          { identity: 'a', joinedAtMs: 1 },
          { identity: 'b', joinedAtMs: 2, lastSpokeAtMs: 100 },
        ],
        slots: 10,
      },
      want: { shown: ['a', 'b'], hiddenCount: 0 },
    },
    {
      name: 'shows the earliest joiners when too many are silent',
      input: {
        candidates: [1, 2, 3, 4, 5].map((n) => ({ identity: `p${n}`, joinedAtMs: n })),
        slots: 3,
      },
      want: { shown: ['p1', 'p2'], hiddenCount: 3 },
    },
    {
      name: 'brings recent speakers in on overflow, still in join order',
      input: {
        candidates: [
          { identity: 'p1', joinedAtMs: 1 },
          { identity: 'p2', joinedAtMs: 2 },
          { identity: 'p3', joinedAtMs: 3 },
          { identity: 'p4', joinedAtMs: 4, lastSpokeAtMs: 50 },
          { identity: 'p5', joinedAtMs: 5, lastSpokeAtMs: 60 },
        ],
        slots: 3,
      },
      want: { shown: ['p4', 'p5'], hiddenCount: 3 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = orderTiles(c.input.candidates, c.input.slots);
      assert.deepEqual({ shown: ids(got.shown), hiddenCount: got.hiddenCount }, c.want);
    });
  }
});
