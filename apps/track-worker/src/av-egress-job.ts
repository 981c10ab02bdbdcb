import {
  EgressError,
  type NamingVars,
  type OutputFileType,
  type ValidatedEgress,
} from '@egress/protocol';
import type { AvEgressOptions } from './av-egress.js';
import { runParticipantEgress } from './participant-egress.js';
import { runTrackCompositeEgress } from './track-composite-egress.js';
import type { TrackEgressResult } from './track-egress.js';

/** What {@link runAvEgressJob} takes besides the request: the room, the file, the callbacks. */
export type AvEgressJobOptions = Omit<AvEgressOptions, 'video' | 'audio'>;

/**
 * Names the file output of a track composite or participant egress (Go's naming: the participant
 * identity is the identifier of a participant egress) and returns its local path.
 * @throws EgressError (invalid_argument) for outputs this worker does not write yet
 */
export async function nameAvFile(
  egress: ValidatedEgress,
  nameFile: (trackType: undefined, fileType: OutputFileType, vars: NamingVars) => Promise<string>,
  vars: NamingVars,
): Promise<string> {
  const fileType = egress.file?.fileType ?? 'mp4';
  if (
    !egress.file ||
    fileType !== 'mp4' ||
    egress.segments ||
    egress.stream ||
    egress.images.length > 0
  ) {
    // TODO(#9): HLS, stream and image outputs through the composite worker's output plans.
    throw EgressError.invalidArgument(
      `${egress.requestType} egress supports one MP4 file output so far`,
    );
  }
  const identity = egress.source.kind === 'participant' ? egress.source.identity : undefined;
  return nameFile(undefined, 'mp4', identity ? { ...vars, publisherIdentity: identity } : vars);
}

/**
 * Runs a validated track composite or participant egress with its encoding (output size, frame
 * rate, bitrates): the source side of the SDK audio/video pipeline.
 * @throws EgressError (invalid_argument) for other sources
 */
export function runAvEgressJob(
  egress: ValidatedEgress,
  options: AvEgressJobOptions,
): Promise<TrackEgressResult> {
  const e = egress.encoding;
  const av: AvEgressOptions = {
    ...options,
    ...(egress.hasVideo
      ? {
          video: {
            width: e.width,
            height: e.height,
            fps: e.framerate,
            bitrateKbps: e.videoBitrateKbps,
          },
        }
      : {}),
    ...(egress.hasAudio ? { audio: { bitrateKbps: e.audioBitrateKbps } } : {}),
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
    default:
      throw EgressError.invalidArgument(
        `${egress.requestType} egress is not an audio/video SDK egress`,
      );
  }
}
