import { layoutRects } from './layout-geometry.js';
import type { LayoutProps } from './layout-props.js';
import { ScreenShareView } from './screen-share-view.js';
import { Tile } from './tile.js';
import { useFocus } from './use-focus.js';

/** `single-speaker`: only the screen share, else only the active speaker, filling the page. */
export function SingleSpeakerLayout({ items, size }: LayoutProps) {
  const focus = useFocus(items.tiles);
  const { main } = layoutRects({ arrangement: 'focus', tileCount: 0, size });
  if (!main) return null;
  if (items.screenShare) return <ScreenShareView trackRef={items.screenShare} rect={main} />;
  return focus ? (
    <Tile key={focus.participant.identity} item={focus} rect={main} placement="main" />
  ) : null;
}
