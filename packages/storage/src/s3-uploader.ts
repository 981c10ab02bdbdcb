import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { EgressError, type Logger } from '@egress/protocol';
import { contentTypeOf } from './content-type.js';
import { s3Location } from './location.js';
import { presignS3Get } from './presign-s3.js';
import { createProxyAgents } from './proxy-agent.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from './retry.js';
import { requireUrl, type S3Config } from './storage-config.js';
import { uploadFailedError } from './upload-error.js';
import type { Uploader, UploadParams, UploadResult } from './uploader.js';

/** Seven days, the Go presign expiry and the SigV4 maximum. */
export const PRESIGN_EXPIRY_SEC = 7 * 24 * 3600;

export interface S3UploaderOptions {
  config: S3Config;
  logger: Logger;
  /** Return a 7-day presigned GET URL with each result. @defaultValue false */
  generatePresignedUrl?: boolean;
  /** Multipart part size in bytes (lib-storage minimum 5 MiB). @defaultValue 8 MiB */
  partSizeBytes?: number;
  /** Parts in flight. @defaultValue 4 */
  queueSize?: number;
  /** Socket idle limit per request, in ms. @defaultValue 60000 */
  requestTimeoutMs?: number;
}

const DEFAULT_REGION = 'us-east-1';

/**
 * Uploads to S3 or an S3-compatible store with lib-storage (multipart above one part). Retries
 * are ours (SDK retries off) so that every backend follows the same bounded policy.
 */
export class S3Uploader implements Uploader {
  readonly backendName = 'S3';
  readonly #config: S3Config;
  readonly #client: S3Client;
  readonly #logger: Logger;
  readonly #policy: RetryPolicy;
  readonly #presign: boolean;
  readonly #partSize: number;
  readonly #queueSize: number;

  constructor(options: S3UploaderOptions) {
    const c = options.config;
    if (!c.bucket) throw EgressError.invalidArgument('storage.s3.bucket: expected a bucket name');
    if (c.assumeRoleArn) {
      throw EgressError.invalidArgument(
        'storage.s3.assume_role_arn is not supported yet; use access_key and secret',
      );
    }
    if (c.accessKey && !c.secret) {
      throw EgressError.invalidArgument('storage.s3.secret: required with access_key');
    }
    this.#config = c;
    this.#logger = options.logger.child({ component: 'storage', backend: 's3' });
    this.#presign = options.generatePresignedUrl ?? false;
    this.#partSize = options.partSizeBytes ?? 8 * 1024 * 1024;
    this.#queueSize = options.queueSize ?? 4;
    this.#policy = {
      maxAttempts:
        c.maxRetries && c.maxRetries > 0 ? c.maxRetries : DEFAULT_RETRY_POLICY.maxAttempts,
      minDelayMs:
        c.minRetryDelayMs && c.minRetryDelayMs > 0
          ? c.minRetryDelayMs
          : DEFAULT_RETRY_POLICY.minDelayMs,
      maxDelayMs:
        c.maxRetryDelayMs && c.maxRetryDelayMs > 0
          ? c.maxRetryDelayMs
          : DEFAULT_RETRY_POLICY.maxDelayMs,
    };
    const requestHandler: Record<string, unknown> = {
      requestTimeout: options.requestTimeoutMs ?? 60_000,
      connectionTimeout: 10_000,
    };
    if (c.proxy) {
      requireUrl(c.proxy.url, 'storage.s3.proxy_config.url');
      Object.assign(requestHandler, createProxyAgents(c.proxy));
    }
    if (c.endpoint) requireUrl(withScheme(c.endpoint), 'storage.s3.endpoint');
    this.#client = new S3Client({
      region: c.region || DEFAULT_REGION,
      ...(c.endpoint ? { endpoint: withScheme(c.endpoint) } : {}),
      forcePathStyle: c.forcePathStyle ?? false,
      // Go asks GetBucketLocation when neither region nor endpoint is set; redirects do the same.
      followRegionRedirects: !c.region && !c.endpoint,
      ...(c.accessKey && c.secret
        ? {
            credentials: {
              accessKeyId: c.accessKey,
              secretAccessKey: c.secret,
              ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
            },
          }
        : {}),
      maxAttempts: 1,
      // Checksums only where S3 requires them: S3-compatible stores often reject the trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler,
    });
  }

  async upload(params: UploadParams): Promise<UploadResult> {
    const c = this.#config;
    const contentType = params.contentType ?? contentTypeOf(params.storagePath);
    try {
      const sizeBytes = await withRetries(
        async () => {
          const { size } = await stat(params.localPath);
          const body = createReadStream(params.localPath);
          const upload = new Upload({
            client: this.#client,
            partSize: this.#partSize,
            queueSize: this.#queueSize,
            leavePartsOnError: false,
            params: {
              Bucket: c.bucket,
              Key: params.storagePath,
              Body: body,
              ContentType: contentType,
              ContentLength: size,
              ContentDisposition: c.contentDisposition || 'inline',
              ...(c.metadata ? { Metadata: c.metadata } : {}),
              ...(c.tagging ? { Tagging: c.tagging } : {}),
            },
          });
          try {
            await upload.done();
          } finally {
            body.destroy();
          }
          return size;
        },
        { policy: this.#policy, logger: this.#logger },
      );
      const result: UploadResult = {
        location: s3Location({
          bucket: c.bucket,
          key: params.storagePath,
          endpoint: c.endpoint,
          forcePathStyle: c.forcePathStyle,
        }),
        sizeBytes,
      };
      if (this.#presign) {
        const url = await this.#presignedUrl(params.storagePath);
        if (url) result.presignedUrl = url;
      }
      return result;
    } catch (err) {
      throw uploadFailedError(this.backendName, err);
    }
  }

  async #presignedUrl(key: string): Promise<string | undefined> {
    try {
      const credentials = await this.#client.config.credentials();
      const endpoint = this.#config.endpoint;
      return presignS3Get({
        bucket: this.#config.bucket,
        key,
        region: await this.#client.config.region(),
        credentials,
        expiresInSec: PRESIGN_EXPIRY_SEC,
        ...(endpoint ? { endpoint: withScheme(endpoint) } : {}),
        forcePathStyle: this.#config.forcePathStyle ?? false,
      });
    } catch (err) {
      // The object is stored; a missing presigned URL must not fail the egress.
      this.#logger.warn({ err: { name: (err as Error).name } }, 'could not presign the upload');
      return undefined;
    }
  }

  /** Closes the client's sockets. */
  close(): void {
    this.#client.destroy();
  }
}

/** Go accepts an endpoint without a scheme; the JS SDK needs one. */
function withScheme(endpoint: string): string {
  return endpoint.includes('://') ? endpoint : `https://${endpoint}`;
}
