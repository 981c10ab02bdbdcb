export {
  AZURITE_ACCOUNT_KEY,
  AZURITE_ACCOUNT_NAME,
  type AzuriteEmulator,
  type StartAzuriteOptions,
  startAzurite,
} from './azurite-emulator.js';
export { type CapturedLogger, captureLogger } from './capture-logger.js';
export { type ConnectProxy, startConnectProxy } from './connect-proxy.js';
export {
  type GcsFakeObject,
  type GcsFakeServer,
  type StartGcsFakeServerOptions,
  startGcsFakeServer,
} from './gcs-fake-server.js';
export { md5Of, writeRandomFile } from './random-file.js';
export {
  S3RVER_ACCESS_KEY,
  S3RVER_SECRET,
  type S3rverEmulator,
  type StartS3rverOptions,
  startS3rver,
} from './s3rver-emulator.js';
