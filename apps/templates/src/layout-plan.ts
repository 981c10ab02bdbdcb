import type { LayoutName } from './layout.js';

/** What the page shows for a layout, given the room's state. */
export interface LayoutPlan {
  /** `grid`: tiles only; `focus`: a main area and a strip of tiles beside it. */
  arrangement: 'grid' | 'focus';
  /** What fills the main area (`none` in a grid or an empty room). */
  main: 'screen-share' | 'speaker' | 'none';
  /** Whether the strip holds the tiles (`single-speaker` has none, `speaker` drops the focused one). */
  strip: 'all' | 'others' | 'none';
}

/** The room facts a plan depends on. */
export interface LayoutPlanInput {
  layout: LayoutName;
  /** A subscribed screen share exists. */
  hasScreenShare: boolean;
  /** Participants that get a tile. */
  participantCount: number;
}

/**
 * Decides the arrangement. A screen share takes the main area in every layout (the Go template
 * does this for `grid` only, by switching to `speaker`); the sharer keeps their camera tile in the
 * strip. Without one, `speaker` focuses the active speaker with the others beside them, and
 * `single-speaker` shows the active speaker alone.
 */
export function planLayout(input: LayoutPlanInput): LayoutPlan {
  if (input.hasScreenShare) {
    const strip = input.layout === 'single-speaker' ? 'none' : 'all';
    return { arrangement: 'focus', main: 'screen-share', strip };
  }
  if (input.layout === 'grid') return { arrangement: 'grid', main: 'none', strip: 'all' };
  if (input.participantCount === 0) return { arrangement: 'focus', main: 'none', strip: 'none' };
  const strip = input.layout === 'speaker' ? 'others' : 'none';
  return { arrangement: 'focus', main: 'speaker', strip };
}
