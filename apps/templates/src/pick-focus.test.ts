import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FocusInput } from './pick-focus.js';
import { pickFocus } from './pick-focus.js';

describe('pickFocus', () => {
  const cases: { name: string; input: FocusInput; want: string | undefined }[] = [
    {
      name: 'focuses the first participant before anyone speaks',
      input: { current: undefined, speaking: [], candidates: ['a', 'b'] },
      want: 'a',
    },
    {
      name: 'focuses the loudest speaker',
      input: { current: 'a', speaking: ['b', 'c'], candidates: ['a', 'b', 'c'] },
      want: 'b',
    },
    {
      name: 'keeps the focused participant while they still speak',
      input: { current: 'c', speaking: ['b', 'c'], candidates: ['a', 'b', 'c'] },
      want: 'c',
    },
    {
      name: 'keeps the focused participant when everyone falls silent',
      input: { current: 'b', speaking: [], candidates: ['a', 'b'] },
      want: 'b',
    },
    {
      name: 'moves on when the focused participant leaves',
      input: { current: 'gone', speaking: [], candidates: ['a', 'b'] },
      want: 'a',
    },
    {
      name: 'ignores speakers without a tile',
      input: { current: 'a', speaking: ['recorder'], candidates: ['a', 'b'] },
      want: 'a',
    },
    {
      name: 'focuses nobody in an empty room',
      input: { current: 'a', speaking: [], candidates: [] },
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(pickFocus(c.input), c.want);
    });
  }
});
