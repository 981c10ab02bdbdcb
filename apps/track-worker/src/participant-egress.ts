import { EgressError, END_REASONS } from '@egress/protocol';
import {
  type RemoteParticipant,
  type RemoteTrackPublication,
  type Room,
  RoomEvent,
  TrackKind,
  TrackSource,
} from '@livekit/rtc-node';
import { type AvEgressOptions, type AvSource, runAvEgress } from './av-egress.js';
import type { Ending } from './ending-latch.js';
import type { TrackEgressResult } from './track-egress.js';

/** Options of {@link runParticipantEgress}. */
export interface RunParticipantEgressOptions extends AvEgressOptions {
  /** The participant to record. */
  identity: string;
  /** Record the screen share and its audio instead of the camera and microphone. */
  screenShare: boolean;
  /**
   * v2 `participant_video.prefer_screen_share`: the screen share (and its audio) while there is
   * one, the camera and microphone otherwise; overrides `screenShare`.
   */
  preferScreenShare?: boolean;
}

type Kind = 'audio' | 'video';

/**
 * The track sources a participant egress records, best first (Go: camera + microphone, or the
 * screen share; v2 may prefer the screen share and fall back to the camera).
 */
export function participantSources(
  mode: 'camera' | 'screen-share' | 'prefer-screen-share',
): Record<Kind, TrackSource[]> {
  // A track without a source is a camera or microphone, as clients publish them by default.
  const camera = {
    audio: [TrackSource.SOURCE_MICROPHONE, TrackSource.SOURCE_UNKNOWN],
    video: [TrackSource.SOURCE_CAMERA, TrackSource.SOURCE_UNKNOWN],
  };
  const screen = {
    audio: [TrackSource.SOURCE_SCREENSHARE_AUDIO],
    video: [TrackSource.SOURCE_SCREENSHARE],
  };
  if (mode === 'camera') return camera;
  if (mode === 'screen-share') return screen;
  return {
    audio: [...screen.audio, ...camera.audio],
    video: [...screen.video, ...camera.video],
  };
}

/**
 * Participant egress (egress-go-behavior.md §3, §6): waits up to 30 s for the participant (else
 * FAILED "participant X not found", 404), records its camera and microphone (or screen share and
 * screen-share audio) and follows them: a track published later is picked up (black or silence
 * until then), an unpublished one turns to black or silence until another is published, mute
 * gives black frames. Ends COMPLETE when the participant leaves, the room closes, or on stop.
 */
export function runParticipantEgress(
  options: RunParticipantEgressOptions,
): Promise<TrackEgressResult> {
  const sources = participantSources(
    options.preferScreenShare
      ? 'prefer-screen-share'
      : options.screenShare
        ? 'screen-share'
        : 'camera',
  );
  const rankOf = (kind: Kind, pub: RemoteTrackPublication | undefined) => {
    const rank = pub ? sources[kind].indexOf(pub.source ?? TrackSource.SOURCE_UNKNOWN) : -1;
    return rank < 0 ? Number.POSITIVE_INFINITY : rank;
  };
  const source: AvSource = {
    waitFor: (room, waitMs) => waitForParticipant(room, options.identity, waitMs),
    follow({ room, recorder, end, log }) {
      // The track recorded for each kind, by sid; one of each at a time.
      const chosen: Partial<Record<Kind, string>> = {};
      const pendingFirst = new Set<string>();
      let onReady: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        onReady = resolve;
      });
      const settle = (sid: string) => {
        pendingFirst.delete(sid);
        if (pendingFirst.size === 0) onReady();
      };
      const isTheirs = (p: RemoteParticipant) => p.identity === options.identity;
      const kindOf = (pub: RemoteTrackPublication): Kind =>
        pub.kind === TrackKind.KIND_AUDIO ? 'audio' : 'video';
      const publicationOf = (sid: string | undefined) =>
        sid ? findParticipant(room, options.identity)?.trackPublications.get(sid) : undefined;
      const consider = (pub: RemoteTrackPublication) => {
        const kind = kindOf(pub);
        const rank = rankOf(kind, pub);
        if (!pub.sid || rank === Number.POSITIVE_INFINITY) return;
        // Routed audio (`audioChannelOf`) comes from the room, not from this participant's pick.
        if (kind === 'video' ? !options.video : !options.audio || options.audioChannelOf) return;
        const current = chosen[kind];
        if (current) {
          // A better source (the preferred screen share) replaces the one recorded.
          const previous = publicationOf(current);
          if (rank >= rankOf(kind, previous)) return;
          previous?.setSubscribed(false);
          pendingFirst.delete(current);
        }
        chosen[kind] = pub.sid;
        log.debug({ trackId: pub.sid, kind }, 'subscribing to a participant track');
        pub.setSubscribed(true);
      };
      const release = (kind: Kind, participant: RemoteParticipant | undefined) => {
        chosen[kind] = undefined;
        if (kind === 'video') recorder.detachVideo();
        else recorder.detachAudio();
        // Another track of the same kind may be published already.
        for (const pub of participant?.trackPublications.values() ?? []) consider(pub);
      };
      room.on(RoomEvent.TrackPublished, (pub, p) => {
        if (isTheirs(p)) consider(pub);
      });
      room.on(RoomEvent.TrackSubscribed, (track, pub, p) => {
        if (!isTheirs(p) || !pub.sid || chosen[kindOf(pub)] !== pub.sid) return;
        if (kindOf(pub) === 'video') recorder.attachVideo(track, pub.muted ?? false);
        else recorder.attachAudio(track);
        settle(pub.sid);
      });
      room.on(RoomEvent.TrackSubscriptionFailed, (sid, p) => {
        const kind = (['audio', 'video'] as const).find((k) => chosen[k] === sid);
        if (!isTheirs(p) || !kind) return;
        // Go's ErrSubscriptionFailed ends a track egress; here the participant's other track
        // and later publications still make a recording.
        log.warn({ trackId: sid, kind }, 'failed to subscribe to a participant track');
        settle(sid);
        release(kind, undefined);
      });
      room.on(RoomEvent.TrackUnpublished, (pub, p) => {
        const kind = kindOf(pub);
        if (isTheirs(p) && pub.sid && chosen[kind] === pub.sid) release(kind, p);
      });
      const onMute = (isMuted: boolean) => (pub: { sid?: string | undefined }) => {
        if (pub.sid && pub.sid === chosen.video) recorder.setVideoMuted(isMuted);
      };
      room.on(RoomEvent.TrackMuted, onMute(true));
      room.on(RoomEvent.TrackUnmuted, onMute(false));
      room.on(RoomEvent.ParticipantDisconnected, (p) => {
        if (isTheirs(p)) end({ ending: 'end', endReason: END_REASONS.sourceClosed });
      });
      const participant = findParticipant(room, options.identity);
      for (const pub of participant?.trackPublications.values() ?? []) consider(pub);
      for (const sid of Object.values(chosen)) if (sid) pendingFirst.add(sid);
      if (pendingFirst.size === 0) onReady();
      return ready;
    },
  };
  return runAvEgress(options, source);
}

function findParticipant(room: Room, identity: string): RemoteParticipant | undefined {
  for (const p of room.remoteParticipants.values()) if (p.identity === identity) return p;
  return undefined;
}

async function waitForParticipant(
  room: Room,
  identity: string,
  waitMs: number,
): Promise<Ending | undefined> {
  const deadline = Date.now() + waitMs;
  while (!findParticipant(room, identity)) {
    if (Date.now() > deadline) {
      // Go's ErrParticipantNotFound: "participant %s not found", NotFound (404).
      return {
        ending: 'error',
        error: EgressError.notFound(`participant ${identity} not found`),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}
