export { assertServiceConfig, type ServiceConfigNeed } from './config/assert-service-config.js';
export type { AdminConfig, Config, RedisConfig, StorageConfig } from './config/config-schema.js';
export { parseGoDuration } from './config/go-duration.js';
export { loadConfig } from './config/load-config.js';
export { type CpuCosts, cpuCostOf } from './egress-info/cpu-cost.js';
export { createEgressInfo } from './egress-info/create-egress-info.js';
export { newEgressId, newGuid } from './egress-info/egress-id.js';
export { mintEgressToken } from './egress-info/egress-token.js';
export { syncLegacyResult } from './egress-info/legacy-result.js';
export { msToNs } from './egress-info/ns-time.js';
export { poolOfRequest, queueOf, requestTypeOf } from './egress-info/request-type.js';
export { isSdkSourceRequest } from './egress-info/source-type.js';
export {
  applyClose,
  applyLimitReached,
  applyStop,
  END_REASONS,
  type EndReason,
  isFinalStatus,
  markAborted,
  markActive,
  markComplete,
  markEnding,
  markFailed,
} from './egress-info/transitions.js';
export {
  cpuExhaustedError,
  EgressError,
  type EgressErrorJson,
  ERROR_CODES,
  type ErrorCode,
  GO_MESSAGES,
  outOfMemoryError,
} from './errors.js';
export {
  type ControlMessage,
  type ControlMessageInput,
  controlReplyResult,
  encodeControlMessage,
  encodeControlReplyError,
  encodeControlReplyOk,
  parseControlMessageOn,
  parseControlReply,
} from './jobs/control-messages.js';
export {
  decodeJobInfo,
  decodeJobRequest,
  egressInfoFromJson,
  egressInfoToJson,
  encodeJobPayload,
  type JobPayload,
  parseJobPayload,
  requestFromJson,
} from './jobs/job-payload.js';
export { MESSAGE_VERSION } from './jobs/parse-versioned.js';
export {
  egressCapacityKey,
  egressCapacityPattern,
  egressControlChannel,
  egressInfoKey,
  egressReplyChannel,
  JOB_LOCK_MS,
  POOLS,
  type Pool,
  QUEUE_NAMES,
  type QueueName,
  STALL_CHECK_INTERVAL_MS,
} from './jobs/queue-names.js';
export {
  AFFINITY,
  affinityFor,
  encodeWorkerCapacity,
  encodeWorkerStatus,
  parseWorkerCapacity,
  parseWorkerStatus,
  type WorkerCapacity,
  type WorkerStatusMessage,
} from './jobs/worker-messages.js';
export { createLogger, type Logger } from './logger.js';
export { expandTemplate } from './naming/expand-template.js';
export { type FileOutputNameInput, fileOutputName } from './naming/file-output-name.js';
export {
  type ImageOutputNames,
  type ImageOutputNamesInput,
  imageOutputNames,
} from './naming/image-output-names.js';
export {
  MAX_LOCAL_PATH_BYTES,
  MAX_PATH_COMPONENT_BYTES,
  resolveLocalPath,
} from './naming/local-path.js';
export type { NamingTrackSource, NamingTrackType, NamingVars } from './naming/naming-vars.js';
export {
  NON_RETRYABLE_OUTPUT_MESSAGE,
  nonRetryableOutputError,
} from './naming/non-retryable-output-error.js';
export { outputIdentifier } from './naming/output-identifier.js';
export {
  type SegmentOutputNames,
  type SegmentOutputNamesInput,
  segmentOutputNames,
} from './naming/segment-output-names.js';
export {
  type AudioCodecName,
  type EgressRequest,
  type OutputFileType,
  REQUEST_TYPES,
  type RequestType,
} from './request-types.js';
export {
  CODEC_COMPATIBILITY,
  type ContainerCodecs,
  ENCODABLE_AUDIO_CODECS,
  ENCODABLE_VIDEO_CODECS,
  fileTypeForTrackCodec,
  isCodecCompatible,
  type OutputContainer,
  selectDefaultFileType,
  type TrackCodecName,
} from './validation/codecs.js';
export {
  audioFrequencyFor,
  DEFAULT_AUDIO_FREQUENCY_HZ,
  DEFAULT_ENCODING,
  ENCODING_LIMITS,
  ENCODING_PRESETS,
  type EncodingSettings,
  type H264Profile,
  OPUS_AUDIO_FREQUENCY_HZ,
  type ResolveEncodingOptions,
  resolveEncoding,
} from './validation/encoding.js';
export {
  DEFAULT_CAPTURE_INTERVAL_SEC,
  DEFAULT_SEGMENT_DURATION_SEC,
  STREAM_KEYFRAME_INTERVAL_SEC,
} from './validation/output-planning.js';
export { REQUEST_LIMITS } from './validation/request-fields.js';
export {
  MAX_STREAM_URL_CHARS,
  MUX_INGEST_PREFIX,
  type ParsedStreamUrl,
  parseStreamUrl,
  redactIdentifier,
  redactStreamUrl,
  type StreamUrlProtocol,
  TWITCH_INGEST_PREFIX,
} from './validation/stream-url.js';
export { type ValidateRequestOptions, validateRequest } from './validation/validate-request.js';
export type {
  AudioRoutePlan,
  EgressSource,
  FileOutputPlan,
  ImageOutputPlan,
  SegmentOutputPlan,
  StreamOutputPlan,
  UploadConfig,
  ValidatedEgress,
  WebsocketOutputPlan,
} from './validation/validated-egress.js';
