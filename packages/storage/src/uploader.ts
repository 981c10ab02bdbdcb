/** What to upload: a file on local disk and the object path it gets in storage. */
export interface UploadParams {
  /** File on local disk; never modified or deleted by an `Uploader`. */
  localPath: string;
  /** Object key / blob name / path below the local directory, before any prefix. */
  storagePath: string;
  /** MIME type stored with the object. @defaultValue guessed from the extension */
  contentType?: string;
}

/** Where a confirmed upload landed. */
export interface UploadResult {
  /** Public-style URL formatted as the Go version does (or the absolute path for local disk). */
  location: string;
  /** Bytes uploaded. */
  sizeBytes: number;
  /** 7-day GET URL, when `generatePresignedUrl` is set and the backend could sign one. */
  presignedUrl?: string;
}

/**
 * One storage backend. `upload` resolves only once the backend confirmed the whole object; it
 * retries transient failures itself and rejects with an `EgressError` naming the backend. It
 * never deletes the local file: `RecordingUploader` does that after success.
 */
export interface Uploader {
  /** `S3`, `Azure`, `GCP` or `Local`, as used in messages. */
  readonly backendName: string;
  upload(params: UploadParams): Promise<UploadResult>;
}
