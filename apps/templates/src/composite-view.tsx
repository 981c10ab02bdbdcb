import { RoomAudioRenderer, useRoomContext } from '@livekit/components-react';
import { GridLayout } from './grid-layout.js';
import { SingleSpeakerLayout } from './single-speaker-layout.js';
import { SpeakerLayout } from './speaker-layout.js';
import { useLayout } from './use-layout.js';
import { usePageSize } from './use-page-size.js';
import { useTileItems } from './use-tile-items.js';

/** Props of {@link CompositeView}. */
export interface CompositeViewProps {
  /** The `?layout=` value. */
  initialLayout: string;
}

/** The recorded page: the current layout in its theme, and every participant's audio. */
export function CompositeView({ initialLayout }: CompositeViewProps) {
  const room = useRoomContext();
  const layout = useLayout(room, initialLayout);
  const items = useTileItems();
  const size = usePageSize();
  const Layout =
    layout.name === 'speaker'
      ? SpeakerLayout
      : layout.name === 'single-speaker'
        ? SingleSpeakerLayout
        : GridLayout;
  return (
    <div className={`page theme-${layout.theme}`} data-layout={layout.value}>
      <Layout items={items} size={size} />
      <RoomAudioRenderer />
    </div>
  );
}
