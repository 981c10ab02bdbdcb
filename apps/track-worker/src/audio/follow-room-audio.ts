import {
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';
import type { MixChannelChooser } from './mix-channels.js';
import type { MixChannel } from './room-audio-mixer.js';

/** What {@link followRoomAudio} reports. */
export interface RoomAudioHandlers {
  /** A chosen audio track was subscribed: mix it in `channel`. */
  onTrack: (track: RemoteTrack, trackId: string, channel: MixChannel) => void;
  /** A mixed track was unpublished or unsubscribed. */
  onGone: (trackId: string) => void;
}

/**
 * Subscribes to the room's audio tracks that `channelOf` chooses, those already published and
 * those published later (by kind, as Go: screen-share audio too), and reports them as they are
 * subscribed and go away. The channel is chosen once per track, when it is first seen (a chooser
 * may count tracks). Call after the room's listeners may be added, before or after connecting.
 */
export function followRoomAudio(
  room: Room,
  channelOf: MixChannelChooser,
  handlers: RoomAudioHandlers,
): void {
  const chosen = new Map<string, MixChannel>();
  const subscribe = (publication: RemoteTrackPublication, participant: RemoteParticipant) => {
    const trackId = publication.sid;
    if (publication.kind !== TrackKind.KIND_AUDIO || publication.subscribed || !trackId) return;
    if (!chosen.has(trackId)) {
      const channel = channelOf({
        trackId,
        identity: participant.identity,
        kind: participant.kind,
      });
      if (!channel) return;
      chosen.set(trackId, channel);
    }
    publication.setSubscribed(true);
  };
  room.on(RoomEvent.TrackPublished, subscribe);
  room.on(RoomEvent.TrackSubscribed, (track, publication) => {
    const channel = publication.sid ? chosen.get(publication.sid) : undefined;
    if (track.kind === TrackKind.KIND_AUDIO && publication.sid && channel) {
      handlers.onTrack(track, publication.sid, channel);
    }
  });
  const gone = (publication: RemoteTrackPublication) => {
    if (publication.sid && chosen.has(publication.sid)) handlers.onGone(publication.sid);
  };
  room.on(RoomEvent.TrackUnsubscribed, (_track, publication) => gone(publication));
  room.on(RoomEvent.TrackUnpublished, gone);
  for (const participant of room.remoteParticipants.values()) {
    for (const publication of participant.trackPublications.values()) {
      subscribe(publication, participant);
    }
  }
}
