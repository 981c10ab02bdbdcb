import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type EncodingSettings,
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
import {
  type EgressInfo,
  FileInfo,
  ImagesInfo,
  SegmentedFileSuffix,
  SegmentsInfo,
} from '@livekit/protocol';
import type { CompositeOutputPlan } from '../composite/pipeline-plan.js';

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

/** The stream output and the tracks it carries (its RTMP destinations remux each one). */
export interface ResolvedStreamOutput extends StreamOutputPlan {
  hasVideo: boolean;
  hasAudio: boolean;
}

/** Every output of an egress, named and placed. */
export interface ResolvedOutputs {
  file?: ResolvedFileOutput;
  segments?: ResolvedSegmentOutput;
  images: ResolvedImageOutput[];
  stream?: ResolvedStreamOutput;
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
  /**
   * The file's container when the request leaves it to the worker (track egress: known once the
   * track is); the request's own type wins.
   */
  fileType?: OutputFileType;
  /** More naming variables (`{track_id}`, `{track_type}`, `{publisher_identity}`...). */
  vars?: Partial<NamingVars>;
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
    ...options.vars,
    roomName: egress.roomName,
    roomId: options.roomId,
    retryCount: options.retryCount,
  };
  const identifier = outputIdentifier(egress.requestType, vars);
  const out: ResolvedOutputs = { images: [] };

  if (egress.file) {
    const fileType = egress.file.fileType ?? options.fileType ?? 'mp4';
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

  if (egress.stream) {
    out.stream = { ...egress.stream, hasVideo: egress.hasVideo, hasAudio: egress.hasAudio };
  }
  return out;
}

/**
 * The pipeline's view of resolved outputs (`planCompositePipeline`'s `outputs`); the stream
 * output needs the port of the local stream server.
 */
export function outputPlanOf(
  outputs: ResolvedOutputs,
  encoding: EncodingSettings,
  streamPort?: number,
): CompositeOutputPlan {
  return {
    encoding,
    ...(outputs.file
      ? { file: { fileType: outputs.file.fileType, localPath: outputs.file.localPath } }
      : {}),
    ...(outputs.segments
      ? {
          segments: {
            localDir: outputs.segments.localDir,
            segmentPattern: outputs.segments.names.segmentPattern,
            playlistName: outputs.segments.names.playlistName,
            segmentDurationSec: outputs.segments.segmentDurationSec,
          },
        }
      : {}),
    images: outputs.images.map((image) => ({
      localDir: image.localDir,
      imagePattern: image.names.imagePattern,
      captureIntervalSec: image.plan.captureIntervalSec,
      width: image.plan.width,
      height: image.plan.height,
    })),
    ...(outputs.stream && streamPort !== undefined
      ? { stream: { protocol: outputs.stream.protocol, port: streamPort } }
      : {}),
  };
}

/**
 * The info with the output names in its results (file name, playlist names, image prefixes),
 * as Go reports them from STARTING on. Results the info lacks are created.
 */
export function withOutputNames(info: EgressInfo, outputs: ResolvedOutputs): EgressInfo {
  const next = info.clone();
  if (outputs.file) {
    const file = next.fileResults[0] ?? new FileInfo();
    file.filename = outputs.file.storagePath;
    if (next.fileResults.length === 0) next.fileResults.push(file);
  }
  if (outputs.segments) {
    const segments = next.segmentResults[0] ?? new SegmentsInfo();
    segments.playlistName = outputs.segments.names.playlistPath;
    segments.livePlaylistName = outputs.segments.names.livePlaylistPath;
    if (next.segmentResults.length === 0) next.segmentResults.push(segments);
  }
  outputs.images.forEach((image, i) => {
    const result = next.imageResults[i] ?? new ImagesInfo();
    result.filenamePrefix = image.names.infoFilenamePrefix;
    if (next.imageResults.length <= i) next.imageResults.push(result);
  });
  return next;
}
