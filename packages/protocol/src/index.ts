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
export { type LoadConfigOptions, loadConfig } from './config/load-config.js';
export { CONFIG_SECRET_KEYS, redactConfig } from './config/redact-config.js';
export {
  EgressError,
  type EgressErrorJson,
  ERROR_CODES,
  type ErrorCode,
  egressErrorCodeOf,
  GO_MESSAGES,
  httpStatusOf,
} from './errors.js';
export {
  type HealthReport,
  type HealthServer,
  type StartHealthServerOptions,
  startHealthServer,
} from './health-server.js';
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
export { createRedis, type RedisRole, redisOptionsOf } from './redis-connection.js';
export {
  type AudioCodecName,
  type EgressRequest,
  OUTPUT_FILE_TYPES,
  type OutputFileType,
  REQUEST_TYPES,
  type RequestType,
  type VideoCodecName,
} from './request-types.js';
export { type HandleShutdownOptions, handleShutdown } from './shutdown.js';
