import type {
  ParticipantEgressRequest,
  RoomCompositeEgressRequest,
  StartEgressRequest,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
  WebEgressRequest,
} from '@livekit/protocol';

/**
 * An egress request of any family, shaped like `EgressInfo.request` so it can be copied in and
 * out without a mapping. `egress` is the v2 `StartEgressRequest`.
 */
export type EgressRequest =
  | { case: 'roomComposite'; value: RoomCompositeEgressRequest }
  | { case: 'web'; value: WebEgressRequest }
  | { case: 'participant'; value: ParticipantEgressRequest }
  | { case: 'trackComposite'; value: TrackCompositeEgressRequest }
  | { case: 'track'; value: TrackEgressRequest }
  | { case: 'egress'; value: StartEgressRequest };

/** Job names on the queues, one per request family (CONVENTIONS §13). */
export const REQUEST_TYPES = [
  'room-composite',
  'web',
  'participant',
  'track-composite',
  'track',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** Containers a file output can be written in; also the file extension without the dot. */
export const OUTPUT_FILE_TYPES = ['mp4', 'ogg', 'mp3', 'webm', 'ivf'] as const;
export type OutputFileType = (typeof OUTPUT_FILE_TYPES)[number];

/** Audio codecs an output can carry; `pcm` is raw S16LE for WebSocket outputs. */
export type AudioCodecName = 'opus' | 'aac' | 'mp3' | 'pcm';
/** Video codecs an output can carry. */
export type VideoCodecName = 'h264' | 'vp8' | 'vp9';
