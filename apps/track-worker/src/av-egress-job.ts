import { EgressError, type NamingVars, type ValidatedEgress } from '@egress/protocol';
import { AudioChannel } from '@livekit/protocol';
import { channelsByMixing, channelsByRoutes } from './audio/mix-channels.js';
import { runAudioRoomCompositeJob } from './audio-room-composite-job.js';
import type { AvEgressOptions } from './av-egress.js';
import { runParticipantEgress } from './participant-egress.js';
import { runTrackCompositeEgress } from './track-composite-egress.js';
import type { TrackEgressResult } from './track-egress.js';

/** What {@link runAvEgressJob} takes besides the request: the room, the outputs, the callbacks. */
export type AvEgressJobOptions = Omit<AvEgressOptions, 'video' | 'audio'>;

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

/**
 * What a v2 media source records here: a participant it follows (`participant_video`, with audio
 * routes of that participant), fixed tracks (`video_track_id` and/or one audio route by track id
 * to both channels), or, without video, the room's audio mixed by its routes and `capture_all`
 * (as an SDK audio room composite). Mixing audio into a recording with video is not done yet.
 * @throws EgressError (invalid_argument) for audio routes this worker cannot record
 */
export function mediaTargets(
  source: MediaSource,
):
  | { kind: 'participant'; identity: string; preferScreenShare: boolean }
  | { kind: 'tracks'; audioTrackId?: string; videoTrackId?: string }
  | { kind: 'mixed-audio'; audio: NonNullable<MediaSource['audio']> } {
  const video = source.video;
  const audio = source.audio;
  const routes = audio?.routes ?? [];
  const [first] = routes;
  if (!video) {
    if (audio?.captureAll !== true && routes.length === 1 && first?.match.kind === 'trackId') {
      if (first.channel === AudioChannel.BOTH) {
        return { kind: 'tracks', audioTrackId: first.match.trackId };
      }
    }
    if (audio) return { kind: 'mixed-audio', audio };
    throw EgressError.invalidArgument('source.media: set video or audio routes (or capture_all)');
  }
  const unsupported = (why: string) =>
    EgressError.invalidArgument(
      `source.media.audio: ${why} is not supported by SDK egress with video yet`,
    );
  if (audio?.captureAll) throw unsupported('capture_all');
  if (routes.some((r) => r.channel !== AudioChannel.BOTH)) {
    throw unsupported('a route to one channel');
  }
  if ('identity' in video) {
    if (
      routes.some(
        (r) => r.match.kind !== 'participantIdentity' || r.match.identity !== video.identity,
      )
    ) {
      throw unsupported('a route other than the video participant');
    }
    return {
      kind: 'participant',
      identity: video.identity,
      preferScreenShare: video.preferScreenShare,
    };
  }
  const trackIds = routes.map((r) => (r.match.kind === 'trackId' ? r.match.trackId : undefined));
  if (trackIds.length > 1 || trackIds.some((id) => id === undefined)) {
    throw unsupported('more than one audio track, or a route by participant without its video');
  }
  const audioTrackId = trackIds[0];
  return {
    kind: 'tracks',
    ...(audioTrackId ? { audioTrackId } : {}),
    videoTrackId: video.trackId,
  };
}

/**
 * Runs a validated track composite, participant or SDK audio room composite egress with its
 * encoding (output size, frame rate, bitrates): the source side of the SDK audio/video pipeline.
 * @throws EgressError (invalid_argument) for other sources
 */
export function runAvEgressJob(
  egress: ValidatedEgress,
  options: AvEgressJobOptions,
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
        return runAudioRoomCompositeJob({ ...options, channelOf: channelsByRoutes(target.audio) });
      }
      if (target.kind === 'participant') {
        return runParticipantEgress({
          ...av,
          identity: target.identity,
          screenShare: false,
          preferScreenShare: target.preferScreenShare,
        });
      }
      return runTrackCompositeEgress({ ...av, ...target });
    }
    case 'template':
      // validateRequest makes a template an SDK source only when isSdkRoomComposite holds.
      if (egress.sourceKind === 'sdk') {
        return runAudioRoomCompositeJob({
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
