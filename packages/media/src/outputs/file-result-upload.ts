import { rm, stat } from 'node:fs/promises';
import {
  type Config,
  decodeJobRequest,
  EgressError,
  type JobPayload,
  type Logger,
  msToNs,
  syncLegacyResult,
  type UploadConfig,
  validateRequest,
} from '@egress/protocol';
import { createOutputUploader } from '@egress/storage';
import { type EgressInfo, FileInfo } from '@livekit/protocol';

/** A recorded file: where it lies, and its name in storage. */
export interface RecordedFile {
  localPath: string;
  storagePath: string;
}

/** Options of {@link uploadFileResult}. */
export interface UploadFileResultOptions {
  info: EgressInfo;
  file: RecordedFile;
  config: Pick<Config, 'storage' | 'backup' | 'localOutputDir'>;
  /** The output's own storage, else the request's, else the config's. */
  upload: UploadConfig | undefined;
  logger: Logger;
  /** When the recording ended, epoch milliseconds. */
  endedAtMs: number;
  /** How long it is, milliseconds. @defaultValue from the result's `startedAt` to `endedAtMs` */
  durationMs?: number;
}

/**
 * Uploads an egress's file output and names it in a copy of `info`'s first file result:
 * filename, `endedAt`, `duration` and, once uploaded, location and size (plus
 * `backupStorageUsed` and the legacy `result`). Never rejects: a failed upload comes back as
 * `error` beside the info, with the local file kept.
 */
export async function uploadFileResult(
  options: UploadFileResultOptions,
): Promise<{ info: EgressInfo; error?: EgressError }> {
  const { file } = options;
  const next = options.info.clone();
  const result = next.fileResults[0] ?? new FileInfo();
  if (next.fileResults.length === 0) next.fileResults.push(result);
  const endNs = msToNs(options.endedAtMs);
  result.filename = file.storagePath;
  result.endedAt = endNs;
  if (options.durationMs !== undefined) result.duration = msToNs(options.durationMs);
  else if (result.startedAt > 0n) result.duration = endNs - result.startedAt;
  try {
    const uploader = createOutputUploader({
      config: options.config,
      upload: options.upload,
      logger: options.logger,
    });
    const uploaded = await uploader.upload(file);
    result.location = uploaded.location;
    result.size = BigInt(uploaded.sizeBytes);
    next.backupStorageUsed ||= uploaded.backupStorageUsed;
    return { info: syncLegacyResult(next) };
  } catch (err) {
    return { info: syncLegacyResult(next), error: EgressError.from(err) };
  }
}

/** Options of {@link salvageLeftFile}. */
export interface SalvageLeftFileOptions {
  /** The dead egress's job and its latest info. */
  payload: JobPayload;
  info: EgressInfo;
  /** What it was writing when it died. */
  file: RecordedFile;
  config: Pick<Config, 'storage' | 'backup' | 'localOutputDir'>;
  /** The egress's logger. */
  logger: Logger;
  /** The egress's own folder, removed once the file is uploaded. */
  tmpDir?: string;
}

/**
 * Uploads the file an egress left when its process died (a crash, a kill): the fragmented MP4
 * (or the finalized OGG/WebM) plays up to its last fragment. Returns the info naming the file
 * (as {@link uploadFileResult}), or `info` unchanged when nothing was written or the upload
 * failed (logged; the file stays on disk). Never rejects.
 */
export async function salvageLeftFile(options: SalvageLeftFileOptions): Promise<EgressInfo> {
  const { info, file, logger } = options;
  try {
    if ((await stat(file.localPath)).size === 0) return info;
  } catch {
    return info; // it died before the encoder wrote anything
  }
  let upload: UploadConfig | undefined;
  try {
    const egress = validateRequest(decodeJobRequest(options.payload), {
      retryCount: info.retryCount,
    });
    upload = egress.file?.upload ?? egress.requestUpload;
  } catch (err) {
    // It passed the same validation to start; kept anyway: the file stays on disk.
    logger.error({ err }, 'could not upload the file a dead egress left');
    return info;
  }
  const done = await uploadFileResult({
    info,
    file,
    config: options.config,
    upload,
    logger,
    endedAtMs: Date.now(),
  });
  if (done.error) {
    logger.error({ err: done.error }, 'could not upload the file a dead egress left');
    return info;
  }
  if (options.tmpDir) {
    await rm(options.tmpDir, { recursive: true, force: true }).catch((err: unknown) =>
      // The recording is stored; only a temporary folder is left behind.
      logger.warn({ err }, 'could not remove the tmp folder of a dead egress'),
    );
  }
  logger.info(
    { location: done.info.fileResults[0]?.location },
    'uploaded the file a dead egress left',
  );
  return done.info;
}
