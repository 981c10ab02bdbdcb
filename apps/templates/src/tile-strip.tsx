import type { Rect } from './layout-geometry.js';
import { OverflowTile } from './overflow-tile.js';
import { Tile } from './tile.js';
import { fitTiles, type TileItem } from './use-tile-items.js';

/** Props of {@link TileStrip}. */
export interface TileStripProps {
  tiles: readonly TileItem[];
  /** Slots from `layoutRects`, the last one "+N" when there are fewer slots than tiles. */
  slots: readonly Rect[];
}

/** Fills slots with tiles in join order, ending with "+N" when they do not all fit. */
export function TileStrip({ tiles, slots }: TileStripProps) {
  const { shown, hiddenCount } = fitTiles(tiles, slots.length);
  const overflowRect = hiddenCount > 0 ? slots[slots.length - 1] : undefined;
  return (
    <>
      {shown.map((item, i) => {
        const rect = slots[i];
        return rect ? (
          <Tile key={item.participant.identity} item={item} rect={rect} placement="tile" />
        ) : null;
      })}
      {overflowRect ? <OverflowTile rect={overflowRect} count={hiddenCount} /> : null}
    </>
  );
}
