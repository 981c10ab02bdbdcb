import { stat } from 'node:fs/promises';
import { EgressError, type Logger } from '@egress/protocol';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { contentTypeOf } from './content-type.js';
import { gcsLocation } from './location.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from './retry.js';
import { type GcpConfig, requireUrl } from './storage-config.js';
import { uploadFailedError } from './upload-error.js';
import type { Uploader, UploadParams, UploadResult } from './uploader.js';

export interface GcsUploaderOptions {
  config: GcpConfig;
  logger: Logger;
  /** Return a 7-day V4 signed URL with each result (needs a service-account key). @defaultValue false */
  generatePresignedUrl?: boolean;
  /** Attempts and backoff. @defaultValue DEFAULT_RETRY_POLICY (Go: 5 attempts, 100 ms to 5 s) */
  retryPolicy?: RetryPolicy;
  /** Files above this size use a resumable upload, smaller ones one multipart request. @defaultValue 8 MiB */
  resumableThresholdBytes?: number;
}

const PRESIGN_EXPIRY_MS = 7 * 24 * 3600 * 1000;

/** Uploads objects to Google Cloud Storage (or a fake with `apiEndpoint`). */
export class GcsUploader implements Uploader {
  readonly backendName = 'GCP';
  readonly #config: GcpConfig;
  readonly #storage: Storage;
  readonly #logger: Logger;
  readonly #policy: RetryPolicy;
  readonly #presign: boolean;
  readonly #resumableThreshold: number;

  constructor(options: GcsUploaderOptions) {
    const c = options.config;
    if (!c.bucket) throw EgressError.invalidArgument('storage.gcp.bucket: expected a bucket name');
    if (c.proxy) {
      // The JS SDK has no per-client proxy; Go swaps the process-wide transport, which we won't.
      throw EgressError.invalidArgument('storage.gcp.proxy_config is not supported yet');
    }
    const storageOptions: StorageOptions = {
      // SDK retries off: one policy for all backends lives in withRetries.
      retryOptions: { autoRetry: false, maxRetries: 0 },
    };
    if (c.credentialsJson) {
      let credentials: unknown;
      try {
        credentials = JSON.parse(c.credentialsJson);
      } catch {
        throw EgressError.invalidArgument(
          'storage.gcp.credentials_json: expected the JSON of a service-account key',
        );
      }
      if (typeof credentials !== 'object' || credentials === null) {
        throw EgressError.invalidArgument(
          'storage.gcp.credentials_json: expected the JSON of a service-account key',
        );
      }
      storageOptions.credentials = credentials as StorageOptions['credentials'];
      const projectId = (credentials as { project_id?: unknown }).project_id;
      if (typeof projectId === 'string') storageOptions.projectId = projectId;
    }
    if (c.apiEndpoint) {
      storageOptions.apiEndpoint = requireUrl(c.apiEndpoint, 'storage.gcp.api_endpoint')
        .toString()
        .replace(/\/$/, '');
      storageOptions.projectId ??= 'egress-test';
    }
    this.#storage = new Storage(storageOptions);
    this.#config = c;
    this.#logger = options.logger.child({ component: 'storage', backend: 'gcp' });
    this.#policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.#presign = options.generatePresignedUrl ?? false;
    this.#resumableThreshold = options.resumableThresholdBytes ?? 8 * 1024 * 1024;
  }

  async upload(params: UploadParams): Promise<UploadResult> {
    const bucket = this.#storage.bucket(this.#config.bucket);
    const contentType = params.contentType ?? contentTypeOf(params.storagePath);
    try {
      const sizeBytes = await withRetries(
        async () => {
          const { size } = await stat(params.localPath);
          // A fresh session each attempt: a resumable session on a restarted server is gone.
          await bucket.upload(params.localPath, {
            destination: params.storagePath,
            resumable: size > this.#resumableThreshold,
            contentType,
            validation: 'crc32c',
          });
          return size;
        },
        { policy: this.#policy, logger: this.#logger },
      );
      const result: UploadResult = {
        location: gcsLocation({
          bucket: this.#config.bucket,
          objectName: params.storagePath,
          apiEndpoint: this.#config.apiEndpoint,
        }),
        sizeBytes,
      };
      if (this.#presign) {
        try {
          const [url] = await bucket.file(params.storagePath).getSignedUrl({
            version: 'v4',
            action: 'read',
            expires: Date.now() + PRESIGN_EXPIRY_MS,
          });
          result.presignedUrl = url;
        } catch (err) {
          // The object is stored; a missing signed URL must not fail the egress.
          this.#logger.warn({ err: { name: (err as Error).name } }, 'could not presign the upload');
        }
      }
      return result;
    } catch (err) {
      throw uploadFailedError(this.backendName, err);
    }
  }
}
