import type { ParsedLayout } from '../layout.js';
import { layoutRects, type Rect, type Size } from '../layout-geometry.js';
import { planLayout } from '../layout-plan.js';

/** Where a layout should draw, from the same pure functions the page uses. */
export interface ExpectedRects {
  /** The main area and what fills it, if any. */
  main: { rect: Rect; role: 'screen-share' | 'main' } | undefined;
  /** Grid or strip slots (the last one "+N" on overflow). */
  tiles: Rect[];
  /** Participants sharing the "+N" slot (0 when all fit). */
  hiddenCount: number;
}

/** The rectangles for `participantCount` tiles (plus a screen share) in `layout`. */
export function expectedRects(
  layout: ParsedLayout,
  participantCount: number,
  hasScreenShare: boolean,
  size: Size,
): ExpectedRects {
  const plan = planLayout({ layout: layout.name, hasScreenShare, participantCount });
  const stripCount =
    plan.strip === 'all' ? participantCount : plan.strip === 'others' ? participantCount - 1 : 0;
  const rects = layoutRects({
    arrangement: plan.arrangement,
    tileCount: plan.arrangement === 'grid' ? participantCount : stripCount,
    size,
  });
  const main =
    rects.main && plan.main !== 'none'
      ? {
          rect: rects.main,
          role: plan.main === 'screen-share' ? ('screen-share' as const) : ('main' as const),
        }
      : undefined;
  return { main, tiles: rects.tiles, hiddenCount: rects.hiddenCount };
}
