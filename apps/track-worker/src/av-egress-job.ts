import { EgressError, type NamingVars, type ValidatedEgress } from '@egress/protocol';
import { runAudioRoomCompositeJob } from './audio-room-composite-job.js';
import type { AvEgressOptions } from './av-egress.js';
import { runParticipantEgress } from './participant-egress.js';
import { runTrackCompositeEgress } from './track-composite-egress.js';
import type { TrackEgressResult } from './track-egress.js';

/** What {@link runAvEgressJob} takes besides the request: the room, the outputs, the callbacks. */
export type AvEgressJobOptions = Omit<AvEgressOptions, 'video' | 'audio'>;

/** Naming variables of an SDK egress's outputs: a participant egress names its participant (Go). */
export function avNamingVars(egress: ValidatedEgress): Partial<NamingVars> {
  return egress.source.kind === 'participant' ? { publisherIdentity: egress.source.identity } : {};
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
    case 'template':
      // validateRequest makes a template an SDK source only when isSdkRoomComposite holds.
      if (egress.sourceKind === 'sdk') return runAudioRoomCompositeJob(options);
      throw EgressError.invalidArgument('a room composite with a template runs in Chromium');
    default:
      throw EgressError.invalidArgument(
        `${egress.requestType} egress is not an audio/video SDK egress`,
      );
  }
}
