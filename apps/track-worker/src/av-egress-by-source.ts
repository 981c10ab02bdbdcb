import { EgressError, type NamingVars, type ValidatedEgress } from '@egress/protocol';
import { AudioChannel } from '@livekit/protocol';
import { channelsByMixing, channelsByRoutes } from './audio/mix-channels.js';
import type { AvEgressOptions } from './av-egress.js';
import { runParticipantEgress } from './participant-egress.js';
import { runSdkAudioRoomComposite } from './sdk-audio-room-composite.js';
import { runTrackCompositeEgress } from './track-composite-egress.js';
import type { TrackEgressResult } from './track-egress.js';

/** What {@link runAvEgressBySource} takes besides the request: the room, the outputs, the callbacks. */
export type AvEgressBySourceOptions = Omit<AvEgressOptions, 'video' | 'audio'>;

/** Naming variables of an SDK egress's outputs: a participant egress names its participant (Go). */
export function avNamingVars(egress: ValidatedEgress): Partial<NamingVars> {
  const source = egress.source;
  if (source.kind === 'participant') return { publisherIdentity: source.identity };
  if (source.kind === 'media' && source.video && 'identity' in source.video) {
    return { publisherIdentity: source.video.identity };
  }
  return {};
}

type MediaSource = Extract<ValidatedEgress['source'], { kind: 'media' }>;

type MediaAudio = NonNullable<MediaSource['audio']>;

/**
 * What a v2 media source records here: a participant it follows (`participant_video`) or fixed
 * tracks (`video_track_id`), and the audio: the source's own track when the routes name only
 * that (the video participant in both channels, or one track id in both channels), otherwise the
 * room's audio mixed by the routes and `capture_all` (`mixedAudio`); without video, such a mix is
 * recorded as an SDK audio room composite (`mixed-audio`).
 * @throws EgressError (invalid_argument) for a source with neither video nor audio
 */
export function mediaTargets(
  source: MediaSource,
):
  | { kind: 'participant'; identity: string; preferScreenShare: boolean; mixedAudio?: MediaAudio }
  | { kind: 'tracks'; audioTrackId?: string; videoTrackId?: string; mixedAudio?: MediaAudio }
  | { kind: 'mixed-audio'; audio: MediaAudio } {
  const { video, audio } = source;
  const routes = audio?.routes ?? [];
  const isOnlyRoutes = audio?.captureAll !== true;
  const [first] = routes;
  const oneTrackId =
    isOnlyRoutes &&
    routes.length === 1 &&
    first?.match.kind === 'trackId' &&
    first.channel === AudioChannel.BOTH
      ? first.match.trackId
      : undefined;
  const mixed = audio && !oneTrackId ? { mixedAudio: audio } : {};
  if (!video) {
    if (oneTrackId) return { kind: 'tracks', audioTrackId: oneTrackId };
    if (audio) return { kind: 'mixed-audio', audio };
    throw EgressError.invalidArgument('source.media: set video or audio routes (or capture_all)');
  }
  if ('identity' in video) {
    const isOwnAudio =
      isOnlyRoutes &&
      routes.every(
        (r) =>
          r.match.kind === 'participantIdentity' &&
          r.match.identity === video.identity &&
          r.channel === AudioChannel.BOTH,
      );
    return {
      kind: 'participant',
      identity: video.identity,
      preferScreenShare: video.preferScreenShare,
      ...(isOwnAudio ? {} : mixed),
    };
  }
  return {
    kind: 'tracks',
    videoTrackId: video.trackId,
    ...(oneTrackId ? { audioTrackId: oneTrackId } : mixed),
  };
}

/**
 * Picks the runner of a validated track composite, participant or SDK audio room composite
 * egress by its source ({@link runTrackCompositeEgress}, {@link runParticipantEgress},
 * {@link runSdkAudioRoomComposite}) and runs it with the egress's encoding (output size, frame
 * rate, bitrates): the source side of the SDK audio/video pipeline.
 * @throws EgressError (invalid_argument) for other sources
 */
export function runAvEgressBySource(
  egress: ValidatedEgress,
  options: AvEgressBySourceOptions,
): Promise<TrackEgressResult> {
  const e = egress.encoding;
  const av: AvEgressOptions = {
    ...options,
    ...(egress.hasVideo ? { video: { width: e.width, height: e.height, fps: e.framerate } } : {}),
    ...(egress.hasAudio ? { audio: true } : {}),
  };
  const source = egress.source;
  switch (source.kind) {
    case 'track-composite':
      return runTrackCompositeEgress({
        ...av,
        ...(source.audioTrackId ? { audioTrackId: source.audioTrackId } : {}),
        ...(source.videoTrackId ? { videoTrackId: source.videoTrackId } : {}),
      });
    case 'participant':
      return runParticipantEgress({
        ...av,
        identity: source.identity,
        screenShare: source.screenShare,
      });
    case 'media': {
      const target = mediaTargets(source);
      if (target.kind === 'mixed-audio') {
        return runSdkAudioRoomComposite({ ...options, channelOf: channelsByRoutes(target.audio) });
      }
      const { mixedAudio, ...picked } = target;
      const routed = mixedAudio ? { audioChannelOf: channelsByRoutes(mixedAudio) } : {};
      if (picked.kind === 'participant') {
        return runParticipantEgress({
          ...av,
          ...routed,
          identity: picked.identity,
          screenShare: false,
          preferScreenShare: picked.preferScreenShare,
        });
      }
      return runTrackCompositeEgress({
        ...av,
        ...routed,
        ...(picked.audioTrackId ? { audioTrackId: picked.audioTrackId } : {}),
        ...(picked.videoTrackId ? { videoTrackId: picked.videoTrackId } : {}),
      });
    }
    case 'template':
      // validateRequest makes a template an SDK source only when isSdkRoomComposite holds.
      if (egress.sourceKind === 'sdk') {
        return runSdkAudioRoomComposite({
          ...options,
          channelOf: channelsByMixing(source.audioMixing),
        });
      }
      throw EgressError.invalidArgument('a room composite with a template runs in Chromium');
    default:
      throw EgressError.invalidArgument(
        `${egress.requestType} egress is not an audio/video SDK egress`,
      );
  }
}
