import { LiveKitRoom } from '@livekit/components-react';
import { Room } from 'livekit-client';
import { useState } from 'react';
import { CompositeView } from './composite-view.js';
import { useRecordingSignals } from './use-recording-signals.js';

/** Props of {@link RoomPage}. */
export interface RoomPageProps {
  /** LiveKit server URL (`wss://...`). */
  url: string;
  /** The recorder's access token. */
  token: string;
  /** The `?layout=` value; UpdateLayout may replace it later. */
  initialLayout: string;
}

/**
 * Joins the room as the recorder and draws it. A connection error replaces the page with
 * `div.error` carrying the SDK's message, which the recorder reports as the egress failure.
 */
export function RoomPage({ url, token, initialLayout }: RoomPageProps) {
  // Full-quality video for the recording: no adaptive stream (it would pick layers by tile size)
  // and no dynacast (the recorder publishes nothing).
  const [room] = useState(() => new Room({ adaptiveStream: false, dynacast: false }));
  const [error, setError] = useState<Error>();
  useRecordingSignals(room);
  return (
    <LiveKitRoom
      room={room}
      serverUrl={url}
      token={token}
      connect
      audio={false}
      video={false}
      onError={setError}
      className="room"
    >
      {error ? (
        <div className="error">{error.message}</div>
      ) : (
        <CompositeView initialLayout={initialLayout} />
      )}
    </LiveKitRoom>
  );
}
