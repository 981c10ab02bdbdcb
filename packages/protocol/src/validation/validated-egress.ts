import type {
  AudioChannel,
  AudioMixing,
  ImageFileSuffix,
  ParticipantInfo_Kind,
  SegmentedFileSuffix,
  StorageConfig,
  WebhookConfig,
} from '@livekit/protocol';
import type { OutputFileType, RequestType } from '../request-types.js';
import type { EncodingSettings } from './encoding.js';
import type { ParsedStreamUrl } from './stream-url.js';

/** A storage block carried through for the uploader: `{ case: 's3' | 'gcp' | 'azure' | 'aliOSS', value }`. */
export type UploadConfig = Extract<StorageConfig['provider'], { case: string }>;

/** Where the media comes from. */
export type EgressSource =
  | {
      kind: 'template';
      layout: string;
      /** Empty: the server's `template_base`. */
      customBaseUrl: string;
      /** Only used when the source is `sdk` (audio only, no layout, no custom URL). */
      audioMixing: AudioMixing;
      awaitStartSignal: true;
    }
  | { kind: 'web'; url: string; awaitStartSignal: boolean }
  | { kind: 'participant'; identity: string; screenShare: boolean }
  | { kind: 'track-composite'; audioTrackId?: string; videoTrackId?: string }
  /** A single track, not transcoded (v1 track egress, or a v2 PASSTHROUGH media source). */
  | { kind: 'track'; trackId: string }
  | {
      kind: 'media';
      video?: { trackId: string } | { identity: string; preferScreenShare: boolean };
      audio?: { captureAll: boolean; routes: AudioRoutePlan[] };
    };

/** One v2 audio route: which audio, and which channel it goes to. */
export interface AudioRoutePlan {
  match:
    | { kind: 'trackId'; trackId: string }
    | { kind: 'participantIdentity'; identity: string }
    | { kind: 'participantKind'; participantKind: ParticipantInfo_Kind };
  channel: AudioChannel;
}

/** A file output; the file name is computed later from `filepath` and `fileType`. */
export interface FileOutputPlan {
  /** Absent for a track egress: the worker picks it from the track codec (`fileTypeForTrackCodec`). */
  fileType?: OutputFileType;
  /** As requested (may hold `{room_name}`-style templates, be empty or end in `/`). */
  filepath: string;
  disableManifest: boolean;
  /** The output's own storage; absent falls back to `requestUpload`, then the server's. */
  upload?: UploadConfig;
}

/** An RTMP or SRT output (one muxer, several destinations). */
export interface StreamOutputPlan {
  protocol: 'rtmp' | 'srt';
  /** Validated, de-duplicated destinations; may be empty when other outputs exist. */
  urls: ParsedStreamUrl[];
}

/** An HLS output; names are computed later from the prefix and playlist fields. */
export interface SegmentOutputPlan {
  protocol: 'hls';
  filenamePrefix: string;
  playlistName: string;
  /** Empty: no live playlist. */
  livePlaylistName: string;
  /** Segment length; 4 s by default, at most the keyframe interval when a stream shares it. */
  segmentDurationSec: number;
  /** INDEX or TIMESTAMP; the protobuf enum, so the plan feeds `segmentOutputNames` as is. */
  filenameSuffix: SegmentedFileSuffix;
  disableManifest: boolean;
  upload?: UploadConfig;
}

/** A JPEG snapshot output. */
export interface ImageOutputPlan {
  /** 10 s by default. */
  captureIntervalSec: number;
  /** Pixels; 0 for SDK sources means "the track's width" (known only after subscribing). */
  width: number;
  /** Pixels; 0 for SDK sources means "the track's height". */
  height: number;
  filenamePrefix: string;
  /** INDEX, TIMESTAMP or NONE_OVERWRITE; the protobuf enum, so the plan feeds `imageOutputNames`. */
  filenameSuffix: ImageFileSuffix;
  imageCodec: 'jpeg';
  disableManifest: boolean;
  upload?: UploadConfig;
}

/** Raw PCM over a websocket (v1 track egress or a v2 websocket stream output). */
export interface WebsocketOutputPlan {
  url: string;
  redacted: string;
}

/**
 * A request after validation: a plain, normalized description a worker builds its pipeline from.
 * It holds secrets (storage keys, stream keys): never log it whole.
 */
export interface ValidatedEgress {
  /** 1 for the five v1 request messages, 2 for `StartEgressRequest`. */
  apiVersion: 1 | 2;
  /** The job name: template → `room-composite`, media → `track-composite`/`participant`, passthrough → `track`. */
  requestType: RequestType;
  /** `web` records a browser (Chrome + PulseAudio); `sdk` joins the room as a subscriber. */
  sourceKind: 'web' | 'sdk';
  source: EgressSource;
  /** Empty for web sources. */
  roomName: string;
  /** Whether the pipeline carries audio. For a track egress both flags are true: the kind is known after subscribing. */
  hasAudio: boolean;
  /** Whether the pipeline carries video. */
  hasVideo: boolean;
  /** No transcoding: the track is remuxed (track egress, v2 PASSTHROUGH). */
  isPassthrough: boolean;
  /** Codecs resolved against the outputs; keyframe interval after the stream/segment rules. */
  encoding: EncodingSettings;
  file?: FileOutputPlan;
  stream?: StreamOutputPlan;
  segments?: SegmentOutputPlan;
  images: ImageOutputPlan[];
  websocket?: WebsocketOutputPlan;
  /** v2 request-level storage, used by outputs without their own. */
  requestUpload?: UploadConfig;
  webhooks: WebhookConfig[];
}
