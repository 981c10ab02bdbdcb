import { layoutRects } from './layout-geometry.js';
import type { LayoutProps } from './layout-props.js';
import { SpeakerLayout } from './speaker-layout.js';
import { TileStrip } from './tile-strip.js';

/**
 * `grid`: every participant in equal 16:9 tiles, largest that fit, in join order. A screen share
 * switches it to the speaker arrangement (screen share in the main area), as the Go template does.
 */
export function GridLayout({ items, size }: LayoutProps) {
  if (items.screenShare) return <SpeakerLayout items={items} size={size} />;
  const { tiles } = layoutRects({ arrangement: 'grid', tileCount: items.tiles.length, size });
  return <TileStrip tiles={items.tiles} slots={tiles} />;
}
