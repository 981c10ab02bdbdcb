import type { Rect } from './layout-geometry.js';
import { rectStyle } from './rect-style.js';

/** Props of {@link OverflowTile}. */
export interface OverflowTileProps {
  rect: Rect;
  /** Participants it stands for. */
  count: number;
}

/** The last slot when participants outnumber the slots: "+N". */
export function OverflowTile({ rect, count }: OverflowTileProps) {
  return (
    <div
      className="tile tile-overflow"
      style={{ ...rectStyle(rect), fontSize: Math.round(rect.height * 0.25) }}
      data-role="overflow"
    >
      +{count}
    </div>
  );
}
