import type { Size } from './layout-geometry.js';
import type { TileItems } from './use-tile-items.js';

/** What every layout component gets. */
export interface LayoutProps {
  /** Tiles and screen share, from `useTileItems`. */
  items: TileItems;
  /** The page size. */
  size: Size;
}
