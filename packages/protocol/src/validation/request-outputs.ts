import {
  EncodedFileType,
  ImageCodec,
  ImageFileSuffix,
  SegmentedFileProtocol,
  SegmentedFileSuffix,
  StreamProtocol,
} from '@livekit/protocol';
import type { UploadConfig } from './validated-egress.js';

/** A file output block of a v1 or v2 request, before planning. */
export interface RawFile {
  fileType: EncodedFileType;
  filepath: unknown;
  disableManifest: boolean;
  upload?: UploadConfig;
}
/** A stream output block, before planning. */
export interface RawStream {
  protocol: StreamProtocol;
  urls: unknown;
}
/** A segments (HLS) output block, before planning. */
export interface RawSegments {
  protocol: SegmentedFileProtocol;
  filenamePrefix: unknown;
  playlistName: unknown;
  livePlaylistName: unknown;
  segmentDuration: unknown;
  filenameSuffix: SegmentedFileSuffix;
  disableManifest: boolean;
  upload?: UploadConfig;
}
/** An image output block, before planning. */
export interface RawImage {
  captureInterval: unknown;
  width: unknown;
  height: unknown;
  filenamePrefix: unknown;
  filenameSuffix: ImageFileSuffix;
  imageCodec: ImageCodec;
  disableManifest: boolean;
  upload?: UploadConfig;
}
/** Every output block of one request, as `planOutputs` takes them. */
export interface RawOutputs {
  apiVersion: 1 | 2;
  file?: RawFile;
  stream?: RawStream;
  segments?: RawSegments;
  images: RawImage[];
}

/** The fields of a v1 or v2 file output message that planning reads. */
export interface FileLike {
  fileType?: EncodedFileType;
  filepath?: unknown;
  disableManifest?: boolean;
  output?: { case?: string; value?: unknown };
}
/** The fields of a segmented file output message that planning reads. */
export interface SegmentsLike {
  protocol?: SegmentedFileProtocol;
  filenamePrefix?: unknown;
  playlistName?: unknown;
  livePlaylistName?: unknown;
  segmentDuration?: unknown;
  filenameSuffix?: SegmentedFileSuffix;
  disableManifest?: boolean;
  output?: { case?: string; value?: unknown };
}
/** The fields of an image output message that planning reads. */
export interface ImageLike {
  captureInterval?: unknown;
  width?: unknown;
  height?: unknown;
  filenamePrefix?: unknown;
  filenameSuffix?: ImageFileSuffix;
  imageCodec?: ImageCodec;
  disableManifest?: boolean;
  output?: { case?: string; value?: unknown };
}
/** The fields of a stream output message that planning reads. */
export interface StreamLike {
  protocol?: StreamProtocol;
  urls?: unknown;
}

/** Reads a file output message; `upload` is its own storage, if any. */
export function rawFile(f: FileLike, upload: UploadConfig | undefined): RawFile {
  const raw: RawFile = {
    fileType: f.fileType ?? EncodedFileType.DEFAULT_FILETYPE,
    filepath: f.filepath,
    disableManifest: f.disableManifest === true,
  };
  if (upload) raw.upload = upload;
  return raw;
}

/** Reads a segmented file output message; unset enums take their defaults. */
export function rawSegments(s: SegmentsLike, upload: UploadConfig | undefined): RawSegments {
  const raw: RawSegments = {
    protocol: s.protocol ?? SegmentedFileProtocol.DEFAULT_SEGMENTED_FILE_PROTOCOL,
    filenamePrefix: s.filenamePrefix,
    playlistName: s.playlistName,
    livePlaylistName: s.livePlaylistName,
    segmentDuration: s.segmentDuration,
    filenameSuffix: s.filenameSuffix ?? SegmentedFileSuffix.INDEX,
    disableManifest: s.disableManifest === true,
  };
  if (upload) raw.upload = upload;
  return raw;
}

/** Reads an image output message; unset enums take their defaults. */
export function rawImage(i: ImageLike, upload: UploadConfig | undefined): RawImage {
  const raw: RawImage = {
    captureInterval: i.captureInterval,
    width: i.width,
    height: i.height,
    filenamePrefix: i.filenamePrefix,
    filenameSuffix: i.filenameSuffix ?? ImageFileSuffix.IMAGE_SUFFIX_INDEX,
    imageCodec: i.imageCodec ?? ImageCodec.IC_DEFAULT,
    disableManifest: i.disableManifest === true,
  };
  if (upload) raw.upload = upload;
  return raw;
}

/** Reads a stream output message. */
export function rawStream(s: StreamLike): RawStream {
  return { protocol: s.protocol ?? StreamProtocol.DEFAULT_PROTOCOL, urls: s.urls };
}
