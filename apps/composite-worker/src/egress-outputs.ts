import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  fileOutputName,
  type ImageOutputNames,
  type ImageOutputPlan,
  imageOutputNames,
  type NamingVars,
  type OutputFileType,
  outputIdentifier,
  resolveLocalPath,
  type SegmentOutputNames,
  type StreamOutputPlan,
  segmentOutputNames,
  type UploadConfig,
  type ValidatedEgress,
} from '@egress/protocol';
import { SegmentedFileSuffix } from '@livekit/protocol';

/** A file output with its storage path and local path. */
export interface ResolvedFileOutput {
  fileType: OutputFileType;
  /** Where it is uploaded (storage key, before the storage prefix). */
  storagePath: string;
  /** Where GStreamer writes it. */
  localPath: string;
  upload: UploadConfig | undefined;
  disableManifest: boolean;
}

/** An HLS output with its names and local folder. */
export interface ResolvedSegmentOutput {
  names: SegmentOutputNames;
  /** Local folder of the playlist; segment files are below it (`names.segmentPattern`). */
  localDir: string;
  segmentDurationSec: number;
  isTimestampSuffix: boolean;
  upload: UploadConfig | undefined;
  disableManifest: boolean;
}

/** An image output with its names and local folder. */
export interface ResolvedImageOutput {
  plan: ImageOutputPlan;
  names: ImageOutputNames;
  localDir: string;
  upload: UploadConfig | undefined;
}

/** Every output of a composite egress, named and placed. */
export interface ResolvedOutputs {
  file?: ResolvedFileOutput;
  segments?: ResolvedSegmentOutput;
  images: ResolvedImageOutput[];
  stream?: StreamOutputPlan;
}

/** What {@link resolveEgressOutputs} needs. */
export interface ResolveEgressOutputsOptions {
  egress: ValidatedEgress;
  /** `EgressInfo.room_id` (may be empty). */
  roomId: string;
  retryCount: number;
  /** The egress's own temporary folder; every local file lands below it. */
  tmpDir: string;
  /** The time `{time}`, `{utc}` and generated names stand for. @defaultValue new Date() */
  now?: Date;
}

/**
 * Resolves output names (Go's templating, protocol's naming functions) and places each output in
 * its own sub-folder of the egress's tmp dir (`file/`, `segments/`, `images<i>/`, so two outputs
 * with the same name never collide), creating the folders.
 * @throws `invalid_argument` for a name that cannot be a local path; `failed_precondition` for a
 * retried egress whose names lack `{retry}`.
 */
export async function resolveEgressOutputs(
  options: ResolveEgressOutputsOptions,
): Promise<ResolvedOutputs> {
  const { egress, tmpDir } = options;
  const now = options.now ?? new Date();
  const vars: NamingVars = {
    roomName: egress.roomName,
    roomId: options.roomId,
    retryCount: options.retryCount,
  };
  const identifier = outputIdentifier(egress.requestType, vars);
  const out: ResolvedOutputs = { images: [] };

  if (egress.file) {
    const fileType = egress.file.fileType ?? 'mp4';
    const storagePath = fileOutputName({
      filepath: egress.file.filepath,
      fileType,
      identifier,
      vars,
      now,
    });
    const localPath = resolveLocalPath(join(tmpDir, 'file'), storagePath);
    await mkdir(dirname(localPath), { recursive: true });
    out.file = {
      fileType,
      storagePath,
      localPath,
      upload: egress.file.upload ?? egress.requestUpload,
      disableManifest: egress.file.disableManifest,
    };
  }

  if (egress.segments) {
    const plan = egress.segments;
    const names = segmentOutputNames({
      output: {
        filenamePrefix: plan.filenamePrefix,
        playlistName: plan.playlistName,
        livePlaylistName: plan.livePlaylistName,
        filenameSuffix: plan.filenameSuffix,
      },
      identifier,
      vars,
      now,
    });
    const localDir = resolveLocalPath(join(tmpDir, 'segments'), names.storageDir);
    await mkdir(dirname(join(localDir, names.segmentPrefix)), { recursive: true });
    out.segments = {
      names,
      localDir,
      segmentDurationSec: plan.segmentDurationSec,
      isTimestampSuffix: plan.filenameSuffix === SegmentedFileSuffix.TIMESTAMP,
      upload: plan.upload ?? egress.requestUpload,
      disableManifest: plan.disableManifest,
    };
  }

  egress.images.forEach((plan, i) => {
    const names = imageOutputNames({
      output: { filenamePrefix: plan.filenamePrefix, filenameSuffix: plan.filenameSuffix },
      identifier,
      vars,
      now,
    });
    out.images.push({
      plan,
      names,
      localDir: resolveLocalPath(join(tmpDir, `images${i}`), names.storageDir),
      upload: plan.upload ?? egress.requestUpload,
    });
  });
  for (const image of out.images) await mkdir(image.localDir, { recursive: true });

  if (egress.stream) out.stream = egress.stream;
  return out;
}
