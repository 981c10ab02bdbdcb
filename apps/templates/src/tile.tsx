import { VideoTrack } from '@livekit/components-react';
import { Track } from 'livekit-client';
import type { Rect } from './layout-geometry.js';
import { rectStyle } from './rect-style.js';
import type { TileItem } from './use-tile-items.js';

/** Props of {@link Tile}. */
export interface TileProps {
  item: TileItem;
  rect: Rect;
  /** `main` for the focused speaker, `tile` in a grid or strip (the page's `data-role`). */
  placement: 'main' | 'tile';
}

function initials(name: string): string {
  const words = name.split(/[\s._-]+/).filter(Boolean);
  return (words.length > 1 ? `${words[0]?.[0]}${words[1]?.[0]}` : name.slice(0, 2)).toUpperCase();
}

function MutedIcon() {
  return (
    <svg className="muted-icon" viewBox="0 0 24 24" aria-label="muted" role="img">
      <path d="M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 5.1 2.1L9 8V6" fill="none" />
      <path d="M15 9V6a3 3 0 0 0-6 0M6 11a6 6 0 0 0 10 4.5M18 11a6 6 0 0 1-.7 2.8M12 17v4M4 4l16 16" />
    </svg>
  );
}

/**
 * One participant: their camera (cropped to fill) or, without one, their initials; a name bar with
 * a muted-microphone mark; an accent outline while they speak.
 */
export function Tile({ item, rect, placement }: TileProps) {
  const { participant, camera } = item;
  const name = participant.name || participant.identity;
  const microphone = participant.getTrackPublication(Track.Source.Microphone);
  const isMuted = !microphone || microphone.isMuted;
  const showVideo = camera !== undefined && !camera.publication.isMuted;
  const fontSizePx = Math.round(Math.min(22, Math.max(11, rect.height * 0.07)));
  const classes = ['tile', participant.isSpeaking ? 'speaking' : ''].filter(Boolean).join(' ');
  return (
    <div
      className={classes}
      style={{ ...rectStyle(rect), fontSize: fontSizePx }}
      data-role={placement}
      data-identity={participant.identity}
    >
      {showVideo ? (
        <VideoTrack trackRef={camera} className="tile-video" muted />
      ) : (
        <div className="tile-placeholder" style={{ fontSize: Math.round(rect.height * 0.22) }}>
          {initials(name)}
        </div>
      )}
      <div className="tile-name">
        {isMuted ? <MutedIcon /> : null}
        <span>{name}</span>
      </div>
    </div>
  );
}
