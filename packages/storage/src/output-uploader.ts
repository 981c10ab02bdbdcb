import type { Config, Logger, UploadConfig } from '@egress/protocol';
import type { ProxyConfig as ProxyProto } from '@livekit/protocol';
import { createRecordingUploader, type RecordingUploader } from './recording-uploader.js';
import { type ProxyConfig, type RequestUpload, resolveStorageConfig } from './storage-config.js';

function text(value: string): string | undefined {
  return value === '' ? undefined : value;
}

function proxyOf(proxy: ProxyProto | undefined): ProxyConfig | undefined {
  if (!proxy || proxy.url === '') return undefined;
  return {
    url: proxy.url,
    ...(proxy.username ? { username: proxy.username } : {}),
    ...(proxy.password ? { password: proxy.password } : {}),
  };
}

function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** A request's upload block (protobuf) as the storage package's option names. */
export function requestUploadOf(upload: UploadConfig): RequestUpload {
  switch (upload.case) {
    case 's3': {
      const s3 = upload.value;
      return {
        s3: compact({
          bucket: s3.bucket,
          accessKey: text(s3.accessKey),
          secret: text(s3.secret),
          sessionToken: text(s3.sessionToken),
          assumeRoleArn: text(s3.assumeRoleArn),
          assumeRoleExternalId: text(s3.assumeRoleExternalId),
          region: text(s3.region),
          endpoint: text(s3.endpoint),
          forcePathStyle: s3.forcePathStyle || undefined,
          metadata: Object.keys(s3.metadata).length > 0 ? { ...s3.metadata } : undefined,
          tagging: text(s3.tagging),
          contentDisposition: text(s3.contentDisposition),
          proxy: proxyOf(s3.proxy),
        }),
      };
    }
    case 'gcp':
      return {
        gcp: compact({
          bucket: upload.value.bucket,
          credentialsJson: text(upload.value.credentials),
          proxy: proxyOf(upload.value.proxy),
        }),
      };
    case 'azure':
      return {
        azure: {
          accountName: upload.value.accountName,
          accountKey: upload.value.accountKey,
          containerName: upload.value.containerName,
        },
      };
    case 'aliOSS':
      return {
        aliOss: compact({
          bucket: upload.value.bucket,
          accessKey: text(upload.value.accessKey),
          secret: text(upload.value.secret),
          endpoint: text(upload.value.endpoint),
        }),
      };
  }
}

/** Options of {@link createOutputUploader}. */
export interface CreateOutputUploaderOptions {
  config: Pick<Config, 'storage' | 'backup' | 'localOutputDir'>;
  /** The output's own upload block, else the request's (v2); absent: the server's storage. */
  upload: UploadConfig | undefined;
  logger: Logger;
}

/**
 * The uploader of one output, with Go's precedence: the request's upload block replaces the
 * server's provider (keeping its prefix and presign setting), then `backup` when the primary
 * fails; with no storage at all files are copied below `local_output_dir`.
 */
export function createOutputUploader(options: CreateOutputUploaderOptions): RecordingUploader {
  const { config, upload, logger } = options;
  const storage = resolveStorageConfig(
    config.storage,
    upload ? requestUploadOf(upload) : undefined,
  );
  return createRecordingUploader({
    storage,
    backup: config.backup,
    logger,
    localDirectory: config.localOutputDir,
  });
}
