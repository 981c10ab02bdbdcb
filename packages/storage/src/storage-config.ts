import { EgressError, type StorageConfig as LoadedStorageConfig } from '@egress/protocol';

/**
 * Storage options, named as the camelCase of the Go YAML keys (`access_key` → `accessKey`) the
 * way protocol's config loader names them (`proxy_config` → `proxy`, durations as `...Ms`,
 * `alioss` → `aliOss`), so its `storage` and `backup` slices can be passed in unchanged. Fields
 * are optional here and an empty string counts as unset, as in Go.
 */

/** An HTTP(S) proxy that upload traffic goes through (Go `proxy_config`). */
export interface ProxyConfig {
  /** `http://host:port`. */
  url: string;
  /** Sent as `Proxy-Authorization: Basic` together with `password`, only when both are set. */
  username?: string;
  password?: string;
}

/** Go `storage.s3`. */
export interface S3Config {
  accessKey?: string;
  secret?: string;
  sessionToken?: string;
  /** Not supported yet: needs `@aws-sdk/credential-providers`; `createUploader` rejects it. */
  assumeRoleArn?: string;
  assumeRoleExternalId?: string;
  /** @defaultValue 'us-east-1', following the bucket's region redirect when no endpoint is set */
  region?: string;
  /** S3-compatible endpoint (`https://minio.example.com`, `http://127.0.0.1:4569`). */
  endpoint?: string;
  bucket: string;
  /** `<endpoint>/<bucket>/<key>` addressing instead of `<bucket>.<endpoint>/<key>`. */
  forcePathStyle?: boolean;
  /** Go `proxy_config`. */
  proxy?: ProxyConfig | undefined;
  /** Attempts per upload, the first included (Go passes it as the AWS `MaxAttempts`). @defaultValue 5 */
  maxRetries?: number;
  /** Go `max_retry_delay`: upper bound of one backoff delay, in ms. @defaultValue 5000 */
  maxRetryDelayMs?: number;
  /** Go `min_retry_delay`: first backoff delay, in ms. @defaultValue 100 */
  minRetryDelayMs?: number;
  /** Object metadata (`x-amz-meta-*`). */
  metadata?: Record<string, string>;
  /** URL-encoded tag set, `k1=v1&k2=v2`. */
  tagging?: string;
  /** @defaultValue 'inline' */
  contentDisposition?: string;
}

/** Go `storage.azure`. */
export interface AzureConfig {
  accountName: string;
  accountKey: string;
  containerName: string;
  /**
   * Blob service URL including the account for emulators (`http://127.0.0.1:10000/devstoreaccount1`).
   * Not a Go key. @defaultValue `https://<accountName>.blob.core.windows.net`
   */
  endpoint?: string;
}

/** Go `storage.gcp`. */
export interface GcpConfig {
  /** Service-account key file contents (JSON). Without it, application default credentials. */
  credentialsJson?: string;
  bucket: string;
  /** Go `proxy_config`. */
  proxy?: ProxyConfig | undefined;
  /** JSON API base URL for fakes and emulators (`http://127.0.0.1:4443`). Not a Go key. */
  apiEndpoint?: string;
}

/** Go `storage.alioss`: accepted in config, rejected by `createUploader` (no SDK here). */
export interface AliOssConfig {
  accessKey?: string;
  secret?: string;
  endpoint?: string;
  bucket: string;
}

/** Go `storage` / `backup`: one provider (the first of s3, gcp, azure, alioss); none means local disk. */
export interface StorageConfig {
  /** Prepended to every storage path. */
  prefix?: string;
  /** Also return a 7-day GET URL (Go reports it as the location). */
  generatePresignedUrl?: boolean;
  s3?: S3Config | undefined;
  azure?: AzureConfig | undefined;
  gcp?: GcpConfig | undefined;
  aliOss?: AliOssConfig | undefined;
}

/** Backend names as they appear in error messages (Go: "<Provider> upload failed"). */
export const STORAGE_BACKENDS = {
  s3: 'S3',
  azure: 'Azure',
  gcp: 'GCP',
  local: 'Local',
} as const;

export type StorageBackend = keyof typeof STORAGE_BACKENDS;

/** Which provider a config selects, in Go's order (s3, gcp, azure, alioss: pkg/config/storage.go), or `local`. */
export function storageBackendOf(config: StorageConfig | undefined): StorageBackend | 'alioss' {
  if (config?.s3) return 's3';
  if (config?.gcp) return 'gcp';
  if (config?.azure) return 'azure';
  if (config?.aliOss) return 'alioss';
  return 'local';
}

/**
 * A per-request upload block (`S3Upload`, `AzureBlobUpload`, `GCPUpload` of the request, already
 * converted to these option names). Exactly one field is expected.
 */
export interface RequestUpload {
  s3?: S3Config | undefined;
  azure?: AzureConfig | undefined;
  gcp?: GcpConfig | undefined;
  aliOss?: AliOssConfig | undefined;
}

/**
 * Go's precedence (pkg/config/storage.go): a per-request upload block replaces the server's
 * provider; only the server's `prefix`, `generate_presigned_url` and S3 retry settings carry
 * over. Without a request block the server config applies as is.
 */
export function resolveStorageConfig(
  server: StorageConfig | undefined,
  request: RequestUpload | undefined,
): StorageConfig | undefined {
  if (!request || storageBackendOf(request) === 'local') return server;
  const out: StorageConfig = {};
  if (server?.prefix) out.prefix = server.prefix;
  if (server?.generatePresignedUrl !== undefined)
    out.generatePresignedUrl = server.generatePresignedUrl;
  if (request.s3) {
    const s3: S3Config = { ...request.s3 };
    const base = server?.s3;
    if (base?.maxRetries) s3.maxRetries = base.maxRetries;
    if (base?.maxRetryDelayMs) s3.maxRetryDelayMs = base.maxRetryDelayMs;
    if (base?.minRetryDelayMs) s3.minRetryDelayMs = base.minRetryDelayMs;
    out.s3 = s3;
  } else if (request.azure) {
    out.azure = { ...request.azure };
  } else if (request.gcp) {
    out.gcp = { ...request.gcp };
  } else if (request.aliOss) {
    out.aliOss = { ...request.aliOss };
  }
  return out;
}

/** Throws `invalid_argument` naming `key` unless `value` parses as a URL. */
export function requireUrl(value: string, key: string): URL {
  try {
    return new URL(value);
  } catch {
    throw EgressError.invalidArgument(`${key}: expected a URL such as https://host:port`);
  }
}

// Compile-time guard: the config loader's `storage` / `backup` slices must stay passable to
// `createUploader` as they are. If protocol's shape drifts, this line stops the build.
const _loaderSlicesFit: LoadedStorageConfig extends StorageConfig ? true : never = true;
