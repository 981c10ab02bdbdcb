import { stat } from 'node:fs/promises';
import {
  BlobSASPermissions,
  ContainerClient,
  newPipeline,
  StorageRetryPolicyType,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { EgressError, type Logger } from '@egress/protocol';
import { contentTypeOf } from './content-type.js';
import { azureLocation } from './location.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from './retry.js';
import { type AzureConfig, requireUrl } from './storage-config.js';
import { uploadFailedError } from './upload-error.js';
import type { Uploader, UploadParams, UploadResult } from './uploader.js';

export interface AzureUploaderOptions {
  config: AzureConfig;
  logger: Logger;
  /** Return a 7-day read SAS URL with each result. @defaultValue false */
  generatePresignedUrl?: boolean;
  /** Attempts and backoff. @defaultValue DEFAULT_RETRY_POLICY (Go: 5 tries, 5 s max delay) */
  retryPolicy?: RetryPolicy;
  /** Block size in bytes. @defaultValue 4 MiB (Go) */
  blockSizeBytes?: number;
  /** Blocks in flight. @defaultValue 16 (Go) */
  concurrency?: number;
  /** Files up to this size go in one Put Blob, larger ones in blocks. @defaultValue 256 MiB (Go, SDK) */
  maxSingleShotBytes?: number;
}

const PRESIGN_EXPIRY_MS = 7 * 24 * 3600 * 1000;

/** Uploads block blobs to Azure Blob Storage (or Azurite) with a shared key. */
export class AzureUploader implements Uploader {
  readonly backendName = 'Azure';
  readonly #config: AzureConfig;
  readonly #container: ContainerClient;
  readonly #logger: Logger;
  readonly #policy: RetryPolicy;
  readonly #presign: boolean;
  readonly #blockSize: number;
  readonly #concurrency: number;
  readonly #maxSingleShot: number;

  constructor(options: AzureUploaderOptions) {
    const c = options.config;
    if (!c.accountName) {
      throw EgressError.invalidArgument('storage.azure.account_name: expected an account name');
    }
    if (!c.accountKey) {
      throw EgressError.invalidArgument('storage.azure.account_key: expected an account key');
    }
    if (!c.containerName) {
      throw EgressError.invalidArgument('storage.azure.container_name: expected a container name');
    }
    const base = c.endpoint
      ? requireUrl(c.endpoint, 'storage.azure.endpoint').toString().replace(/\/$/, '')
      : `https://${c.accountName}.blob.core.windows.net`;
    let credential: StorageSharedKeyCredential;
    try {
      credential = new StorageSharedKeyCredential(c.accountName, c.accountKey);
    } catch {
      throw EgressError.invalidArgument('storage.azure.account_key: expected a base64 key');
    }
    // SDK retries off: one policy for all backends lives in withRetries.
    const pipeline = newPipeline(credential, {
      // One try may carry a 256 MiB single-shot blob: allow it 10 minutes before giving up.
      retryOptions: {
        maxTries: 1,
        retryPolicyType: StorageRetryPolicyType.FIXED,
        tryTimeoutInMs: 600_000,
      },
    });
    this.#container = new ContainerClient(
      `${base}/${encodeURIComponent(c.containerName)}`,
      pipeline,
    );
    this.#config = c;
    this.#logger = options.logger.child({ component: 'storage', backend: 'azure' });
    this.#policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.#presign = options.generatePresignedUrl ?? false;
    this.#blockSize = options.blockSizeBytes ?? 4 * 1024 * 1024;
    this.#concurrency = options.concurrency ?? 16;
    this.#maxSingleShot = options.maxSingleShotBytes ?? 256 * 1024 * 1024;
  }

  async upload(params: UploadParams): Promise<UploadResult> {
    const blob = this.#container.getBlockBlobClient(params.storagePath);
    const contentType = params.contentType ?? contentTypeOf(params.storagePath);
    try {
      const sizeBytes = await withRetries(
        async () => {
          const { size } = await stat(params.localPath);
          await blob.uploadFile(params.localPath, {
            blockSize: this.#blockSize,
            concurrency: this.#concurrency,
            maxSingleShotSize: this.#maxSingleShot,
            blobHTTPHeaders: { blobContentType: contentType },
          });
          return size;
        },
        { policy: this.#policy, logger: this.#logger },
      );
      const result: UploadResult = {
        location: azureLocation({
          accountName: this.#config.accountName,
          containerName: this.#config.containerName,
          blobName: params.storagePath,
          endpoint: this.#config.endpoint,
        }),
        sizeBytes,
      };
      if (this.#presign) {
        try {
          result.presignedUrl = await blob.generateSasUrl({
            permissions: BlobSASPermissions.parse('r'),
            expiresOn: new Date(Date.now() + PRESIGN_EXPIRY_MS),
          });
        } catch (err) {
          // The blob is stored; a missing SAS URL must not fail the egress.
          this.#logger.warn({ err: { name: (err as Error).name } }, 'could not presign the upload');
        }
      }
      return result;
    } catch (err) {
      throw uploadFailedError(this.backendName, err);
    }
  }
}
