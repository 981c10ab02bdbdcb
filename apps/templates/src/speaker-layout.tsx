import { layoutRects } from './layout-geometry.js';
import { planLayout } from './layout-plan.js';
import type { LayoutProps } from './layout-props.js';
import { ScreenShareView } from './screen-share-view.js';
import { Tile } from './tile.js';
import { TileStrip } from './tile-strip.js';
import { useFocus } from './use-focus.js';

/**
 * `speaker`: the screen share, else the active speaker, in the main area, with the other tiles in a
 * strip on the right; alone, the main area fills the page.
 */
export function SpeakerLayout({ items, size }: LayoutProps) {
  const focus = useFocus(items.tiles);
  const plan = planLayout({
    layout: 'speaker',
    hasScreenShare: items.screenShare !== undefined,
    participantCount: items.tiles.length,
  });
  const strip =
    plan.strip === 'all'
      ? items.tiles
      : plan.strip === 'others'
        ? items.tiles.filter((t) => t !== focus)
        : [];
  const { main, tiles } = layoutRects({ arrangement: 'focus', tileCount: strip.length, size });
  return (
    <>
      {main && plan.main === 'screen-share' && items.screenShare ? (
        <ScreenShareView trackRef={items.screenShare} rect={main} />
      ) : null}
      {main && plan.main === 'speaker' && focus ? (
        <Tile key={focus.participant.identity} item={focus} rect={main} placement="main" />
      ) : null}
      <TileStrip tiles={strip} slots={tiles} />
    </>
  );
}
