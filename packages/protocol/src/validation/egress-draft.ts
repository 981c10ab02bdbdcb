import type { EncodingOptions, EncodingOptionsPreset, WebhookConfig } from '@livekit/protocol';
import type { AudioCodecName, RequestType } from '../request-types.js';
import { requestedAudioCodec, resolveEncoding } from './encoding.js';
import type { EgressSource, UploadConfig, ValidatedEgress } from './validated-egress.js';

/**
 * A {@link ValidatedEgress} being built: mirrors Go's PipelineConfig while outputs and codecs are
 * applied (`planOutputs`, then `planCodecs`).
 */
export interface EgressDraft
  extends Pick<
    ValidatedEgress,
    'hasAudio' | 'hasVideo' | 'encoding' | 'file' | 'stream' | 'segments' | 'images' | 'websocket'
  > {
  /** The audio codec the request asks for; undefined lets codec planning pick one. */
  requestedAudio: AudioCodecName | undefined;
  /** The audio frequency the request asks for, in Hz; undefined for the codec's default. */
  requestedFrequencyHz: number | undefined;
  retryCount: number;
  /** A web source (Chrome) records the encoding size; an SDK source the track size. */
  isWebSource: boolean;
}

/** Starts a draft from a request's encoding options and the audio/video flags of its source. */
export function newEgressDraft(
  options: { preset?: EncodingOptionsPreset; advanced?: EncodingOptions },
  retryCount: number,
  isWebSource: boolean,
  hasAudio: boolean,
  hasVideo: boolean,
): EgressDraft {
  const freq = options.advanced?.audioFrequency;
  return {
    hasAudio,
    hasVideo,
    encoding: resolveEncoding(options),
    requestedAudio: requestedAudioCodec(options.advanced),
    requestedFrequencyHz: typeof freq === 'number' && freq !== 0 ? freq : undefined,
    retryCount,
    isWebSource,
    images: [],
  };
}

/** The {@link ValidatedEgress} of a planned draft and the request fields around it. */
export function finishEgressDraft(
  draft: EgressDraft,
  base: {
    apiVersion: 1 | 2;
    requestType: RequestType;
    sourceKind: 'web' | 'sdk';
    source: EgressSource;
    roomName: string;
    isPassthrough: boolean;
    webhooks: unknown;
    requestUpload?: UploadConfig;
  },
): ValidatedEgress {
  const out: ValidatedEgress = {
    apiVersion: base.apiVersion,
    requestType: base.requestType,
    sourceKind: base.sourceKind,
    source: base.source,
    roomName: base.roomName,
    hasAudio: draft.hasAudio,
    hasVideo: draft.hasVideo,
    isPassthrough: base.isPassthrough,
    encoding: draft.encoding,
    images: draft.images,
    webhooks: Array.isArray(base.webhooks) ? (base.webhooks as WebhookConfig[]) : [],
  };
  if (draft.file) out.file = draft.file;
  if (draft.stream) out.stream = draft.stream;
  if (draft.segments) out.segments = draft.segments;
  if (draft.websocket) out.websocket = draft.websocket;
  if (base.requestUpload) out.requestUpload = base.requestUpload;
  return out;
}
