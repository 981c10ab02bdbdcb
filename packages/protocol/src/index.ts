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
