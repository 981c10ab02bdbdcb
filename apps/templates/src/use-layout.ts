import { ParticipantEvent, type Room, RoomEvent } from 'livekit-client';
import { useEffect, useMemo, useState } from 'react';
import { layoutFromMetadata, type ParsedLayout, parseLayout } from './layout.js';

/**
 * Window event that sets the layout from outside the room: the composite worker can run
 * `window.dispatchEvent(new CustomEvent('egress:layout', { detail: 'speaker-light' }))` in the page.
 */
export const LAYOUT_EVENT = 'egress:layout';

/**
 * The one place that decides the layout. It starts from the recorder's metadata layout, else
 * `?layout=` (as `EgressHelper.getLayout()` does), then follows every change: the recorder's
 * metadata `{"layout": ...}` (what livekit-server sets on UpdateLayout) and {@link LAYOUT_EVENT}.
 * The latest change wins and takes effect on the next render, well within a second.
 */
export function useLayout(room: Room, initialLayout: string): ParsedLayout {
  const [value, setValue] = useState(
    () => layoutFromMetadata(room.localParticipant.metadata) ?? initialLayout,
  );
  useEffect(() => {
    const local = room.localParticipant;
    const fromMetadata = () => {
      const layout = layoutFromMetadata(local.metadata);
      if (layout !== undefined) setValue(layout);
    };
    const fromEvent = (event: Event) => {
      if (event instanceof CustomEvent && typeof event.detail === 'string') setValue(event.detail);
    };
    local.on(ParticipantEvent.ParticipantMetadataChanged, fromMetadata);
    room.on(RoomEvent.Connected, fromMetadata);
    window.addEventListener(LAYOUT_EVENT, fromEvent);
    fromMetadata();
    return () => {
      local.off(ParticipantEvent.ParticipantMetadataChanged, fromMetadata);
      room.off(RoomEvent.Connected, fromMetadata);
      window.removeEventListener(LAYOUT_EVENT, fromEvent);
    };
  }, [room]);
  return useMemo(() => parseLayout(value), [value]);
}
