import { EgressError, type Logger, msToNs, type UploadConfig } from '@egress/protocol';
import {
  buildManifest,
  type CreateOutputUploaderOptions,
  createOutputUploader,
  type ManifestFile,
  type ManifestImage,
  type ManifestInput,
  type RecordingUploader,
  uploadManifest,
} from '@egress/storage';
import {
  type EgressInfo,
  EgressStatus,
  FileInfo,
  ImagesInfo,
  SegmentsInfo,
} from '@livekit/protocol';
import type { ResolvedOutputs } from './egress-outputs.js';
import { ImageSync } from './image-sync.js';
import { SegmentSync } from './segment-sync.js';

/** Options of {@link OutputUploads}. */
export interface OutputUploadsOptions {
  outputs: ResolvedOutputs;
  config: CreateOutputUploaderOptions['config'];
  logger: Logger;
  /** When the recording started (ACTIVE): the time of the first HLS segment. */
  startedAtMs: number;
  /** How often HLS segments and images are uploaded while recording. @defaultValue 2000 */
  syncIntervalMs?: number;
}

/** What {@link OutputUploads.finish} needs besides the outputs. */
export interface FinishOutputsOptions {
  /** The info to fill (results, manifest location, backup flag). */
  info: EgressInfo;
  /** When the recording ended. */
  endMs: number;
  /** The egress's own folder: the manifest is written there before its upload. */
  workDir: string;
  /** What the manifest says about the source (`url` of a web egress, track ids...). */
  manifestSource?: Omit<ManifestInput, 'egressId' | 'files' | 'playlists' | 'images'>;
}

/** The info after {@link OutputUploads.finish}, and the first failure if any. */
export interface FinishedOutputs {
  info: EgressInfo;
  error?: EgressError;
}

/**
 * Uploads the outputs of one egress through `packages/storage`: HLS segments, playlists and
 * images while recording (every `syncIntervalMs`), then, after EOS, the file, the rest of the
 * segments and images, and the manifest, filling the results as Go does (file size, duration
 * and location; segment count and playlist locations; image count).
 */
export class OutputUploads {
  readonly #options: OutputUploadsOptions;
  readonly #log: Logger;
  readonly #uploaders: RecordingUploader[] = [];
  readonly #segments: SegmentSync | undefined;
  readonly #images: ImageSync[];
  readonly #timer: NodeJS.Timeout | undefined;

  /** Starts uploading segments and images while recording. */
  constructor(options: OutputUploadsOptions) {
    this.#options = options;
    this.#log = options.logger;
    const { outputs } = options;
    this.#segments = outputs.segments
      ? new SegmentSync(
          outputs.segments,
          this.#uploaderFor(outputs.segments.upload),
          options.startedAtMs,
        )
      : undefined;
    this.#images = outputs.images.map(
      (image) => new ImageSync(image, this.#uploaderFor(image.upload)),
    );
    if (this.#segments || this.#images.length > 0) {
      this.#timer = setInterval(() => {
        for (const sync of [this.#segments, ...this.#images]) {
          sync?.sync(false).catch((err: unknown) => {
            // retried at the next tick and at the end, where a failure fails the egress
            this.#log.warn({ err }, 'upload while recording failed');
          });
        }
      }, options.syncIntervalMs ?? 2000);
    }
  }

  /** Stops the uploads while recording (the pipeline is ending). Idempotent. */
  stopSyncing(): void {
    clearInterval(this.#timer);
  }

  /**
   * Uploads what is left and the manifest, and fills the results. The manifest is written only
   * when every output was uploaded, an output keeps one, and the egress ends well (ACTIVE,
   * ENDING or LIMIT_REACHED), next to each such output, as Go does. Never rejects.
   */
  async finish(options: FinishOutputsOptions): Promise<FinishedOutputs> {
    this.stopSyncing();
    const { outputs } = this.#options;
    const endNs = msToNs(options.endMs);
    const next = options.info.clone();
    const errors: EgressError[] = [];
    const manifestFiles: ManifestFile[] = [];
    const manifestPaths: string[] = [];

    if (outputs.file) {
      const result = next.fileResults[0] ?? new FileInfo();
      result.endedAt = endNs;
      if (result.startedAt > 0n) result.duration = endNs - result.startedAt;
      try {
        const res = await this.#uploaderFor(outputs.file.upload).upload({
          localPath: outputs.file.localPath,
          storagePath: outputs.file.storagePath,
        });
        result.size = BigInt(res.sizeBytes);
        result.location = res.location;
        manifestFiles.push({ filename: outputs.file.storagePath, location: res.location });
        if (!outputs.file.disableManifest) manifestPaths.push(outputs.file.storagePath);
      } catch (err) {
        errors.push(EgressError.from(err));
      }
      if (next.fileResults.length === 0) next.fileResults.push(result);
    }

    const playlists: { location: string; segments: ManifestFile[] }[] = [];
    if (outputs.segments && this.#segments) {
      const result = next.segmentResults[0] ?? new SegmentsInfo();
      try {
        await this.#segments.sync(true);
      } catch (err) {
        errors.push(EgressError.from(err));
      }
      const state = this.#segments.state;
      result.endedAt = endNs;
      result.segmentCount = BigInt(state.segmentCount);
      result.size = BigInt(state.sizeBytes);
      result.duration = BigInt(Math.round(state.durationSec * 1e9));
      result.playlistLocation = state.playlistLocation;
      result.livePlaylistLocation = state.livePlaylistLocation;
      if (state.playlistLocation) {
        playlists.push({ location: state.playlistLocation, segments: [...state.segments] });
        if (!outputs.segments.disableManifest)
          manifestPaths.push(outputs.segments.names.playlistPath);
      }
      if (next.segmentResults.length === 0) next.segmentResults.push(result);
    }

    const images: ManifestImage[] = [];
    for (const [i, sync] of this.#images.entries()) {
      const result = next.imageResults[i] ?? new ImagesInfo();
      try {
        await sync.sync(true);
      } catch (err) {
        errors.push(EgressError.from(err));
      }
      result.endedAt = endNs;
      result.imageCount = BigInt(sync.images.length);
      images.push(...sync.images);
      const output = outputs.images[i];
      if (output && !output.plan.disableManifest && sync.images[0]) {
        manifestPaths.push(`${output.names.storageDir}${sync.images[0].filename}`);
      }
      if (next.imageResults.length <= i) next.imageResults.push(result);
    }
    next.backupStorageUsed ||= this.#uploaders.some((u) => u.backupStorageUsed);
    next.updatedAt = endNs;
    if (errors[0]) return { info: next, error: errors[0] };

    const status = next.status;
    if (
      manifestPaths.length === 0 ||
      (status !== EgressStatus.EGRESS_ENDING &&
        status !== EgressStatus.EGRESS_ACTIVE &&
        status !== EgressStatus.EGRESS_LIMIT_REACHED)
    ) {
      return { info: next };
    }
    try {
      const locations = await uploadManifest({
        uploader: this.#uploaderFor(
          outputs.file?.upload ?? outputs.segments?.upload ?? outputs.images[0]?.upload,
        ),
        egressId: next.egressId,
        outputStoragePaths: manifestPaths,
        workDir: options.workDir,
        manifest: buildManifest({
          egressId: next.egressId,
          roomId: next.roomId,
          roomName: next.roomName,
          ...options.manifestSource,
          endedAtNs: endNs,
          files: manifestFiles,
          playlists,
          images,
        }),
      });
      next.manifestLocation = locations[0] ?? '';
      return { info: next };
    } catch (err) {
      return { info: next, error: EgressError.from(err) };
    }
  }

  #uploaderFor(upload: UploadConfig | undefined): RecordingUploader {
    const uploader = createOutputUploader({
      config: this.#options.config,
      upload,
      logger: this.#log,
    });
    this.#uploaders.push(uploader);
    return uploader;
  }
}
