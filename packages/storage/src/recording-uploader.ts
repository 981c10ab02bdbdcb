import { stat, unlink } from 'node:fs/promises';
import { EgressError, type Logger } from '@egress/protocol';
import { type CreateUploaderOptions, createUploader } from './create-uploader.js';
import type { StorageConfig } from './storage-config.js';
import type { Uploader, UploadParams } from './uploader.js';

/** Upload parameters plus what to do with the local file afterwards. */
export interface RecordingUploadParams extends UploadParams {
  /** Delete the local file once the upload is confirmed (Go: segments and images). @defaultValue false */
  deleteAfterUpload?: boolean;
}

/** A confirmed upload of one output file. */
export interface RecordingUploadResult {
  /** What Go reports as the location: the presigned URL when one was generated, else `storageLocation`. */
  location: string;
  /** The object's URL (or local path) formatted as Go does. */
  storageLocation: string;
  presignedUrl?: string;
  sizeBytes: number;
  /** This file went to the backup storage (EgressInfo `backup_storage_used`). */
  backupStorageUsed: boolean;
}

export interface RecordingUploaderOptions {
  primary: Uploader;
  /** Used when the primary fails; once used, all later uploads go there too (Go). */
  backup?: Uploader;
  logger: Logger;
}

/**
 * The uploader egress code talks to. "Never lose a recording": the local file is deleted only
 * after a confirmed upload; when the primary fails it switches to the backup for good; when
 * every attempt fails the file stays and the error names its local path.
 */
export class RecordingUploader {
  readonly #primary: Uploader;
  readonly #backup: Uploader | undefined;
  readonly #logger: Logger;
  #onBackup = false;

  constructor(options: RecordingUploaderOptions) {
    this.#primary = options.primary;
    this.#backup = options.backup;
    this.#logger = options.logger.child({ component: 'storage' });
  }

  /** True once any upload went to the backup storage (EgressInfo `backup_storage_used`). */
  get backupStorageUsed(): boolean {
    return this.#onBackup;
  }

  /**
   * Uploads one file.
   * @throws EgressError `internal` when the local file is missing; `invalid_argument`
   *   "<Provider> upload failed: ..." (Go's 400) naming the local path when every store failed
   */
  async upload(params: RecordingUploadParams): Promise<RecordingUploadResult> {
    try {
      const s = await stat(params.localPath);
      if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unknown';
      const what = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
      throw EgressError.internal(`cannot upload ${params.localPath}: the file ${what}`);
    }

    let primaryError: EgressError | undefined;
    if (!this.#onBackup) {
      try {
        return await this.#uploadTo(this.#primary, params, false);
      } catch (err) {
        primaryError = EgressError.from(err, `${this.#primary.backendName} upload failed`);
        if (!this.#backup) throw this.#keptError(primaryError, undefined, params.localPath);
        this.#logger.warn(
          { backend: this.#primary.backendName, code: primaryError.code },
          'primary storage failed, switching to backup storage',
        );
        this.#onBackup = true;
      }
    }
    const backup = this.#backup as Uploader; // #onBackup is only set when a backup exists
    try {
      return await this.#uploadTo(backup, params, true);
    } catch (err) {
      const backupError = EgressError.from(err, `${backup.backendName} upload failed`);
      throw this.#keptError(
        primaryError ?? backupError,
        primaryError ? backupError : undefined,
        params.localPath,
      );
    }
  }

  async #uploadTo(
    uploader: Uploader,
    params: RecordingUploadParams,
    isBackup: boolean,
  ): Promise<RecordingUploadResult> {
    const res = await uploader.upload({
      localPath: params.localPath,
      storagePath: params.storagePath,
      ...(params.contentType ? { contentType: params.contentType } : {}),
    });
    if (params.deleteAfterUpload) {
      try {
        await unlink(params.localPath);
      } catch (err) {
        // Uploaded already: a leftover local file costs disk, not a recording.
        this.#logger.warn(
          { err, code: (err as { code?: string }).code },
          'could not delete uploaded file',
        );
      }
    }
    const result: RecordingUploadResult = {
      location: res.presignedUrl ?? res.location,
      storageLocation: res.location,
      sizeBytes: res.sizeBytes,
      backupStorageUsed: isBackup,
    };
    if (res.presignedUrl) result.presignedUrl = res.presignedUrl;
    return result;
  }

  #keptError(first: EgressError, backup: EgressError | undefined, localPath: string): EgressError {
    const also = backup ? `; backup storage: ${backup.message}` : '';
    return new EgressError(
      first.code,
      `${first.message}${also}; the recording is kept at ${localPath}`,
      {
        details: { ...first.details, localPath },
      },
    );
  }
}

export interface CreateRecordingUploaderOptions extends CreateUploaderOptions {
  /** Go `storage` (already merged with the request's upload block). */
  storage: StorageConfig | undefined;
  /** Go `backup`. */
  backup?: StorageConfig | undefined;
}

/** A `RecordingUploader` for the `storage` and `backup` config slices. */
export function createRecordingUploader(
  options: CreateRecordingUploaderOptions,
): RecordingUploader {
  const { storage, backup, ...rest } = options;
  return new RecordingUploader({
    primary: createUploader(storage, rest),
    ...(backup ? { backup: createUploader(backup, rest) } : {}),
    logger: options.logger,
  });
}
