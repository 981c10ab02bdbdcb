import { EgressError, END_REASONS } from '@egress/protocol';
import { type RemoteTrackPublication, type Room, RoomEvent, TrackKind } from '@livekit/rtc-node';
import { type AvEgressOptions, type AvSource, runAvEgress } from './av-egress.js';
import { type Ending, isEnding } from './ending-latch.js';
import { type FoundTrack, findTrack, subscribe, type TrackEgressResult } from './track-egress.js';

/** Options of {@link runTrackCompositeEgress}: one audio track, one video track, or both. */
export interface RunTrackCompositeEgressOptions extends AvEgressOptions {
  audioTrackId?: string;
  videoTrackId?: string;
}

/**
 * Track composite egress (one audio and/or one video track of the room, synchronized, into one
 * encoder; Go allows either id empty): waits up to 30 s for the tracks (else FAILED
 * "track X not found", 404), and ends COMPLETE when either track is unpublished, its publisher
 * leaves, the room closes, or on stop. Video mute gives black frames, audio gaps silence.
 */
export function runTrackCompositeEgress(
  options: RunTrackCompositeEgressOptions,
): Promise<TrackEgressResult> {
  const wanted: { trackId: string; kind: TrackKind }[] = [];
  if (options.audioTrackId)
    wanted.push({ trackId: options.audioTrackId, kind: TrackKind.KIND_AUDIO });
  if (options.videoTrackId)
    wanted.push({ trackId: options.videoTrackId, kind: TrackKind.KIND_VIDEO });
  const source: AvSource = {
    waitFor: (room, waitMs) => waitForTracks(room, wanted, waitMs),
    async follow({ room, recorder, end, trackWaitMs }) {
      const sourceClosed = () => end({ ending: 'end', endReason: END_REASONS.sourceClosed });
      const found = wanted.map((w) => findTrack(room, w.trackId)).filter((f) => f !== undefined);
      const isOurs = (sid: string | undefined) => wanted.some((w) => w.trackId === sid);
      room.on(RoomEvent.TrackUnpublished, (pub) => {
        if (isOurs(pub.sid)) sourceClosed();
      });
      room.on(RoomEvent.ParticipantDisconnected, (p) => {
        if (found.some((f) => f.participant.identity === p.identity)) sourceClosed();
      });
      const onMute = (isMuted: boolean) => (pub: { sid?: string | undefined }) => {
        if (pub.sid && pub.sid === options.videoTrackId) recorder.setVideoMuted(isMuted);
      };
      room.on(RoomEvent.TrackMuted, onMute(true));
      room.on(RoomEvent.TrackUnmuted, onMute(false));
      await Promise.all(
        found.map(async ({ publication }: { publication: RemoteTrackPublication }) => {
          const track = await subscribe(room, publication, trackWaitMs);
          if (isEnding(track)) return end(track);
          if (publication.kind === TrackKind.KIND_VIDEO) {
            recorder.attachVideo(track, publication.muted ?? false);
          } else {
            recorder.attachAudio(track);
          }
        }),
      );
    },
  };
  return runAvEgress(
    {
      ...options,
      // A track composite records only the kinds it was given tracks for.
      ...(options.videoTrackId ? {} : { video: undefined }),
      ...(options.audioTrackId || options.audioChannelOf ? {} : { audio: undefined }),
    },
    source,
  );
}

async function waitForTracks(
  room: Room,
  wanted: { trackId: string; kind: TrackKind }[],
  waitMs: number,
): Promise<Ending | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found: (FoundTrack | undefined)[] = wanted.map((w) => findTrack(room, w.trackId));
    const missing = wanted.find((_, i) => !found[i]);
    if (!missing) {
      for (const [i, w] of wanted.entries()) {
        if (found[i]?.publication.kind !== w.kind) {
          const what = w.kind === TrackKind.KIND_AUDIO ? 'an audio' : 'a video';
          return {
            ending: 'error',
            error: EgressError.invalidArgument(`track ${w.trackId} is not ${what} track`),
          };
        }
      }
      return undefined;
    }
    if (Date.now() > deadline) {
      // Go's ErrTrackNotFound: "track %s not found", NotFound (404).
      return { ending: 'error', error: EgressError.notFound(`track ${missing.trackId} not found`) };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
