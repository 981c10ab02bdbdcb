import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LayoutPlanInput } from './layout-plan.js';
import { planLayout } from './layout-plan.js';

describe('planLayout', () => {
  const cases: { name: string; input: LayoutPlanInput; want: ReturnType<typeof planLayout> }[] = [
    {
      name: 'draws a grid of everyone without a screen share',
      input: { layout: 'grid', hasScreenShare: false, participantCount: 4 },
      want: { arrangement: 'grid', main: 'none', strip: 'all' },
    },
    {
      name: 'puts a screen share in the main area of grid',
      input: { layout: 'grid', hasScreenShare: true, participantCount: 4 },
      want: { arrangement: 'focus', main: 'screen-share', strip: 'all' },
    },
    {
      name: 'puts a screen share in the main area of speaker',
      input: { layout: 'speaker', hasScreenShare: true, participantCount: 2 },
      want: { arrangement: 'focus', main: 'screen-share', strip: 'all' },
    },
    {
      name: 'shows only the screen share in single-speaker',
      input: { layout: 'single-speaker', hasScreenShare: true, participantCount: 2 },
      want: { arrangement: 'focus', main: 'screen-share', strip: 'none' },
    },
    {
      name: 'focuses the speaker with the others beside them',
      input: { layout: 'speaker', hasScreenShare: false, participantCount: 3 },
      want: { arrangement: 'focus', main: 'speaker', strip: 'others' },
    },
    {
      name: 'shows the speaker alone in single-speaker',
      input: { layout: 'single-speaker', hasScreenShare: false, participantCount: 3 },
      want: { arrangement: 'focus', main: 'speaker', strip: 'none' },
    },
    {
      name: 'shows nothing in an empty speaker room',
      input: { layout: 'speaker', hasScreenShare: false, participantCount: 0 },
      want: { arrangement: 'focus', main: 'none', strip: 'none' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(planLayout(c.input), c.want);
    });
  }
});
