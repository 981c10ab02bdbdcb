export {
  type AssertServiceConfigOptions,
  assertServiceConfig,
  type ServiceConfigNeed,
} from './config/assert-service-config.js';
export type {
  AdminConfig,
  AliOssStorageConfig,
  AzureStorageConfig,
  Config,
  CpuCostConfig,
  GcpStorageConfig,
  LogLevel,
  RedisConfig,
  S3StorageConfig,
  SessionLimitsConfig,
  StorageConfig,
  StorageProxyConfig,
  WebhookConfig,
} from './config/config-schema.js';
export {
  type AudioTempoControllerConfig,
  type ConfigEnv,
  type ConfigSchemaOptions,
  createConfigSchema,
  type DebugConfig,
  type LatencyConfig,
  LOG_LEVELS,
  type LoggingConfig,
  MEMORY_SOURCES,
  type MemorySource,
  type RedisTlsConfig,
} from './config/config-schema.js';
export { parseGoDuration } from './config/go-duration.js';
export { type LoadConfigOptions, loadConfig, MAX_CONFIG_BYTES } from './config/load-config.js';
export { CONFIG_SECRET_KEYS, redactConfig } from './config/redact-config.js';
export { type CpuCosts, cpuCostOf, DEFAULT_CPU_COSTS } from './egress-info/cpu-cost.js';
export {
  type CreateEgressInfoOptions,
  createEgressInfo,
} from './egress-info/create-egress-info.js';
export {
  EGRESS_ID_PATTERN,
  EGRESS_ID_PREFIX,
  GUID_ALPHABET,
  GUID_SIZE,
  newEgressId,
  newGuid,
} from './egress-info/egress-id.js';
export {
  EGRESS_TOKEN_TTL_SEC,
  type MintEgressTokenOptions,
  mintEgressToken,
} from './egress-info/egress-token.js';
export { syncLegacyResult } from './egress-info/legacy-result.js';
export { msToNs } from './egress-info/ns-time.js';
export {
  type RedactRequestOptions,
  type RedactUrl,
  redactRequest,
} from './egress-info/redact-request.js';
export {
  isSdkRoomComposite,
  poolOfRequest,
  queueOf,
  requestTypeOf,
} from './egress-info/request-type.js';
export { egressSourceTypeOf, isSdkSourceRequest } from './egress-info/source-type.js';
export {
  applyClose,
  applyLimitReached,
  applyStop,
  type CloseOptions,
  canTransition,
  END_REASONS,
  type EndingOptions,
  type EndReason,
  endReasonDetails,
  isFinalStatus,
  markAborted,
  markActive,
  markComplete,
  markEnding,
  markFailed,
  markLimitReached,
  type TransitionOptions,
} from './egress-info/transitions.js';
export {
  cpuExhaustedError,
  EgressError,
  type EgressErrorJson,
  ERROR_CODES,
  type ErrorCode,
  egressErrorCodeOf,
  GO_MESSAGES,
  httpStatusOf,
  outOfMemoryError,
} from './errors.js';
export {
  type ControlMessage,
  type ControlMessageInput,
  type ControlMessageType,
  type ControlReply,
  controlMessageSchema,
  controlReplyResult,
  controlReplySchema,
  encodeControlMessage,
  encodeControlReplyError,
  encodeControlReplyOk,
  parseControlMessage,
  parseControlMessageOn,
  parseControlReply,
} from './jobs/control-messages.js';
export {
  decodeJobInfo,
  decodeJobRequest,
  type EncodeJobPayloadInput,
  egressInfoFromJson,
  egressInfoToJson,
  encodeJobPayload,
  type JobPayload,
  jobPayloadSchema,
  parseJobPayload,
  REQUEST_CASES,
  type RequestJson,
  requestFromJson,
  requestJsonSchema,
  requestToJson,
} from './jobs/job-payload.js';
export { MESSAGE_VERSION, parseVersioned } from './jobs/parse-versioned.js';
export {
  egressCapacityKey,
  egressCapacityPattern,
  egressControlChannel,
  egressInfoKey,
  egressReplyChannel,
  JOB_LOCK_MS,
  POOLS,
  type Pool,
  poolOf,
  QUEUE_NAMES,
  type QueueName,
  queueForRequestType,
  STALL_CHECK_INTERVAL_MS,
} from './jobs/queue-names.js';
export {
  AFFINITY,
  type AffinityOptions,
  affinityFor,
  encodeWorkerCapacity,
  encodeWorkerStatus,
  parseWorkerCapacity,
  parseWorkerStatus,
  type WorkerCapacity,
  type WorkerStatusMessage,
  workerCapacitySchema,
  workerStatusSchema,
} from './jobs/worker-messages.js';
export {
  type CreateLoggerOptions,
  createLogger,
  type Logger,
  REDACTED_LOG_PATHS,
} from './logger.js';
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
  OUTPUT_FILE_TYPES,
  type OutputFileType,
  REQUEST_TYPES,
  type RequestType,
  type VideoCodecName,
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
