import { type TrackReference, VideoTrack } from '@livekit/components-react';
import type { Rect } from './layout-geometry.js';
import { rectStyle } from './rect-style.js';

/** Props of {@link ScreenShareView}. */
export interface ScreenShareViewProps {
  trackRef: TrackReference;
  rect: Rect;
}

/** A screen share in the main area, letterboxed, never cropped, with the sharer's name. */
export function ScreenShareView({ trackRef, rect }: ScreenShareViewProps) {
  const name = trackRef.participant.name || trackRef.participant.identity;
  return (
    <div
      className="tile screen-share"
      style={{
        ...rectStyle(rect),
        fontSize: Math.round(Math.min(22, Math.max(11, rect.height * 0.03))),
      }}
      data-role="screen-share"
      data-identity={trackRef.participant.identity}
    >
      <VideoTrack trackRef={trackRef} className="tile-video contain" muted />
      <div className="tile-name">
        <span>{name}</span>
      </div>
    </div>
  );
}
