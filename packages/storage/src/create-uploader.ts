import { posix } from 'node:path';
import { EgressError, type Logger } from '@egress/protocol';
import { AzureUploader } from './azure-uploader.js';
import { GcsUploader } from './gcs-uploader.js';
import { LocalUploader } from './local-uploader.js';
import type { RetryPolicy } from './retry.js';
import { S3Uploader } from './s3-uploader.js';
import { type StorageConfig, storageBackendOf } from './storage-config.js';
import type { Uploader, UploadParams, UploadResult } from './uploader.js';

export interface CreateUploaderOptions {
  logger: Logger;
  /**
   * Directory local outputs are copied below when the config names no provider. Go resolves
   * them from `/`, so use mounted absolute paths. @defaultValue '/'
   */
  localDirectory?: string;
  /** Attempts and backoff for Azure and GCS (S3 reads its own keys). @defaultValue DEFAULT_RETRY_POLICY */
  retryPolicy?: RetryPolicy;
}

/** `prefix` joined in front of a storage path, as Go's `path.Join(prefix, p)`. */
export function withPrefix(prefix: string | undefined, storagePath: string): string {
  return prefix ? posix.join(prefix, storagePath) : storagePath;
}

/**
 * The uploader a `storage` (or `backup`) config slice selects: the first of S3, GCS, Azure (Go's order),
 * local disk when none is set. It prepends `prefix` and returns a presigned URL when
 * `generatePresignedUrl` is set. Options are validated here.
 * @throws EgressError invalid_argument naming the bad key
 */
export function createUploader(
  config: StorageConfig | undefined,
  options: CreateUploaderOptions,
): Uploader {
  const presign = config?.generatePresignedUrl ?? false;
  const retry = options.retryPolicy ? { retryPolicy: options.retryPolicy } : {};
  let inner: Uploader;
  switch (storageBackendOf(config)) {
    case 's3':
      inner = new S3Uploader({
        config: config?.s3 as NonNullable<StorageConfig['s3']>,
        logger: options.logger,
        generatePresignedUrl: presign,
      });
      break;
    case 'azure':
      inner = new AzureUploader({
        config: config?.azure as NonNullable<StorageConfig['azure']>,
        logger: options.logger,
        generatePresignedUrl: presign,
        ...retry,
      });
      break;
    case 'gcp':
      inner = new GcsUploader({
        config: config?.gcp as NonNullable<StorageConfig['gcp']>,
        logger: options.logger,
        generatePresignedUrl: presign,
        ...retry,
      });
      break;
    case 'alioss':
      throw EgressError.invalidArgument('storage.alioss is not supported; use s3, azure or gcp');
    default:
      inner = new LocalUploader({
        directory: options.localDirectory ?? '/',
        logger: options.logger,
      });
  }
  const prefix = config?.prefix;
  if (!prefix) return inner;
  return {
    backendName: inner.backendName,
    upload: (params: UploadParams): Promise<UploadResult> =>
      inner.upload({ ...params, storagePath: withPrefix(prefix, params.storagePath) }),
  };
}
