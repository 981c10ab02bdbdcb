export { AzureUploader, type AzureUploaderOptions } from './azure-uploader.js';
export { contentTypeOf } from './content-type.js';
export { type CreateUploaderOptions, createUploader, withPrefix } from './create-uploader.js';
export { GcsUploader, type GcsUploaderOptions } from './gcs-uploader.js';
export { LocalUploader, type LocalUploaderOptions } from './local-uploader.js';
export { azureLocation, gcsLocation, s3Location } from './location.js';
export {
  buildManifest,
  type Manifest,
  type ManifestFile,
  type ManifestImage,
  type ManifestInput,
  type ManifestPlaylist,
  manifestJson,
  manifestStoragePath,
  type UploadManifestOptions,
  uploadManifest,
} from './manifest.js';
export {
  type CreateOutputUploaderOptions,
  createOutputUploader,
  requestUploadOf,
} from './output-uploader.js';
export { type PresignS3GetOptions, presignS3Get } from './presign-s3.js';
export {
  type CreateRecordingUploaderOptions,
  createRecordingUploader,
  RecordingUploader,
  type RecordingUploaderOptions,
  type RecordingUploadParams,
  type RecordingUploadResult,
} from './recording-uploader.js';
export {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isTransientError,
  type RetryPolicy,
  withRetries,
} from './retry.js';
export { PRESIGN_EXPIRY_SEC, S3Uploader, type S3UploaderOptions } from './s3-uploader.js';
export {
  type AliOssConfig,
  type AzureConfig,
  type GcpConfig,
  type ProxyConfig,
  type RequestUpload,
  resolveStorageConfig,
  type S3Config,
  STORAGE_BACKENDS,
  type StorageBackend,
  type StorageConfig,
  storageBackendOf,
} from './storage-config.js';
export { uploadFailedError } from './upload-error.js';
export type { Uploader, UploadParams, UploadResult } from './uploader.js';
