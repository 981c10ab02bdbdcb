import {
  EncodedFileType,
  ImageCodec,
  ImageFileSuffix,
  SegmentedFileProtocol,
  SegmentedFileSuffix,
  StreamProtocol,
} from '@livekit/protocol';
import { cleanOutputPath } from '../naming/clean-output-path.js';
import { assertRetrySafeFilepath, assertRetrySafeSegments } from '../naming/retry-safe-paths.js';
import { splitPath } from '../naming/split-path.js';
import { stripKnownExtension } from '../naming/strip-known-extension.js';
import type { OutputFileType } from '../request-types.js';
import type { EgressDraft } from './egress-draft.js';
import { invalidField } from './encoding.js';
import { checkText, checkUint, REQUEST_LIMITS } from './request-fields.js';
import type { RawFile, RawImage, RawOutputs, RawSegments, RawStream } from './request-outputs.js';
import { type ParsedStreamUrl, parseStreamUrl, type StreamUrlProtocol } from './stream-url.js';
import type { FileOutputPlan, ImageOutputPlan, SegmentOutputPlan } from './validated-egress.js';

/** Go's default image capture interval (pkg/config/output_image.go). */
export const DEFAULT_CAPTURE_INTERVAL_SEC = 10;
/** Go's default HLS segment duration (pkg/config/output_segment.go). */
export const DEFAULT_SEGMENT_DURATION_SEC = 4;
/** Keyframe interval Go forces for streams when none is requested (pkg/config/output.go). */
export const STREAM_KEYFRAME_INTERVAL_SEC = 4;

/**
 * Checks a file output and plans it; the name is computed later by `fileOutputName`.
 * @throws `invalid_argument`, or `failed_precondition` when a retry would overwrite the path.
 */
export function planFile(draft: EgressDraft, raw: RawFile, field: string): FileOutputPlan {
  let fileType: OutputFileType | undefined;
  switch (raw.fileType ?? EncodedFileType.DEFAULT_FILETYPE) {
    case EncodedFileType.DEFAULT_FILETYPE:
      fileType = undefined;
      break;
    case EncodedFileType.MP4:
      fileType = 'mp4';
      break;
    case EncodedFileType.OGG:
      fileType = 'ogg';
      break;
    case EncodedFileType.MP3:
      fileType = 'mp3';
      break;
    default:
      throw invalidField(`${field}.file_type`, 'use DEFAULT_FILETYPE, MP4, OGG or MP3');
  }
  const filepath = checkText(`${field}.filepath`, raw.filepath, {
    maxChars: REQUEST_LIMITS.maxPathChars,
  });
  assertRetrySafeFilepath(
    cleanOutputPath(filepath, `${field}.filepath`),
    draft.retryCount,
    `${field}.filepath`,
  );
  const out: FileOutputPlan = { filepath, disableManifest: raw.disableManifest === true };
  if (fileType) out.fileType = fileType;
  if (raw.upload) out.upload = raw.upload;
  return out;
}

function streamProtocolOf(protocol: StreamProtocol, field: string): StreamUrlProtocol | undefined {
  switch (protocol ?? StreamProtocol.DEFAULT_PROTOCOL) {
    case StreamProtocol.DEFAULT_PROTOCOL:
      return undefined;
    case StreamProtocol.RTMP:
      return 'rtmp';
    case StreamProtocol.SRT:
      return 'srt';
    case StreamProtocol.WEBSOCKET:
      return 'websocket';
    default:
      throw invalidField(
        `${field}.protocol`,
        'use RTMP, SRT or WEBSOCKET, or DEFAULT_PROTOCOL with urls',
      );
  }
}

/** Applies a stream output: RTMP/SRT go to `draft.stream`, a websocket to `draft.websocket`. */
function planStream(draft: EgressDraft, raw: RawStream, apiVersion: 1 | 2, field: string): void {
  const urls: unknown[] = Array.isArray(raw.urls) ? raw.urls : [];
  let protocol = streamProtocolOf(raw.protocol, field);
  if (protocol === undefined) {
    const first = urls[0];
    if (first === undefined) {
      throw invalidField(`${field}.protocol`, 'set protocol RTMP or SRT, or add a url');
    }
    protocol = parseStreamUrl(typeof first === 'string' ? first : '').protocol;
  }
  if (protocol === 'websocket' && apiVersion === 1) {
    throw invalidField(
      `${field}.protocol`,
      'websocket outputs need TrackEgressRequest.websocket_url or a v2 StartEgressRequest',
    );
  }

  const parsed: ParsedStreamUrl[] = [];
  const seen = new Set<string>();
  for (const url of urls) {
    const p = parseStreamUrl(typeof url === 'string' ? url : '', protocol);
    // Go keys its streams by URL, so a repeated URL is one stream.
    if (seen.has(p.url)) continue;
    seen.add(p.url);
    parsed.push(p);
  }

  if (protocol === 'websocket') {
    const only = parsed[0];
    if (parsed.length !== 1 || !only) {
      throw invalidField(
        `${field}.urls`,
        'a websocket output takes exactly one ws:// or wss:// url',
      );
    }
    draft.websocket = { url: only.url, redacted: only.redacted };
    return;
  }
  draft.stream = { protocol, urls: parsed };
}

function planSegments(draft: EgressDraft, raw: RawSegments, field: string): SegmentOutputPlan {
  const protocol = raw.protocol ?? SegmentedFileProtocol.DEFAULT_SEGMENTED_FILE_PROTOCOL;
  if (
    protocol !== SegmentedFileProtocol.DEFAULT_SEGMENTED_FILE_PROTOCOL &&
    protocol !== SegmentedFileProtocol.HLS_PROTOCOL
  ) {
    throw invalidField(`${field}.protocol`, 'use HLS_PROTOCOL or leave it unset');
  }
  const filenameSuffix = raw.filenameSuffix ?? SegmentedFileSuffix.INDEX;
  if (
    filenameSuffix !== SegmentedFileSuffix.INDEX &&
    filenameSuffix !== SegmentedFileSuffix.TIMESTAMP
  ) {
    throw invalidField(`${field}.filename_suffix`, 'use INDEX or TIMESTAMP');
  }
  const pathLimit = { maxChars: REQUEST_LIMITS.maxPathChars };
  const filenamePrefix = checkText(`${field}.filename_prefix`, raw.filenamePrefix, pathLimit);
  const playlistName = checkText(`${field}.playlist_name`, raw.playlistName, pathLimit);
  const livePlaylistName = checkText(
    `${field}.live_playlist_name`,
    raw.livePlaylistName,
    pathLimit,
  );
  const duration = checkUint(
    `${field}.segment_duration`,
    raw.segmentDuration,
    'use whole seconds, at least 1, or 0 for the default (4)',
  );

  const prefix = cleanOutputPath(filenamePrefix, `${field}.filename_prefix`);
  const playlist = cleanOutputPath(playlistName, `${field}.playlist_name`);
  const live = cleanOutputPath(livePlaylistName, `${field}.live_playlist_name`);
  assertRetrySafeSegments(
    {
      prefix: { path: prefix, field: `${field}.filename_prefix` },
      playlist: { path: playlist, field: `${field}.playlist_name` },
    },
    draft.retryCount,
  );

  const [playlistDir, playlistBase] = splitPath(playlist);
  const [liveDir, liveBase] = splitPath(live);
  if (liveDir !== '' && liveDir !== playlistDir) {
    throw invalidField(
      `${field}.live_playlist_name`,
      'live_playlist_name must be in same directory as playlist_name',
    );
  }
  const liveName = stripKnownExtension(liveBase);
  const playlistNameOnly = stripKnownExtension(playlistBase) || splitPath(prefix)[1];
  if (liveName !== '' && liveName === playlistNameOnly) {
    throw invalidField(
      `${field}.live_playlist_name`,
      'live_playlist_name cannot be identical to playlist_name',
    );
  }

  const out: SegmentOutputPlan = {
    protocol: 'hls',
    filenamePrefix,
    playlistName,
    livePlaylistName,
    segmentDurationSec: duration === 0 ? DEFAULT_SEGMENT_DURATION_SEC : duration,
    filenameSuffix,
    disableManifest: raw.disableManifest === true,
  };
  if (raw.upload) out.upload = raw.upload;
  return out;
}

function planImage(draft: EgressDraft, raw: RawImage, field: string): ImageOutputPlan {
  const codec = raw.imageCodec ?? ImageCodec.IC_DEFAULT;
  if (codec !== ImageCodec.IC_DEFAULT && codec !== ImageCodec.IC_JPEG) {
    throw invalidField(
      `${field}.image_codec`,
      'only JPEG is supported: use IC_JPEG or leave it unset',
    );
  }
  const filenameSuffix = raw.filenameSuffix ?? ImageFileSuffix.IMAGE_SUFFIX_INDEX;
  if (ImageFileSuffix[filenameSuffix] === undefined) {
    throw invalidField(
      `${field}.filename_suffix`,
      'use IMAGE_SUFFIX_INDEX, IMAGE_SUFFIX_TIMESTAMP or IMAGE_SUFFIX_NONE_OVERWRITE',
    );
  }
  const interval = checkUint(
    `${field}.capture_interval`,
    raw.captureInterval,
    'use whole seconds, at least 1, or 0 for the default (10)',
  );
  const sizeHint = 'use pixels from 1 to 4096, or 0 for the source size';
  const width = checkUint(`${field}.width`, raw.width, sizeHint, 4096);
  const height = checkUint(`${field}.height`, raw.height, sizeHint, 4096);
  const filenamePrefix = checkText(`${field}.filename_prefix`, raw.filenamePrefix, {
    maxChars: REQUEST_LIMITS.maxPathChars,
  });
  const out: ImageOutputPlan = {
    captureIntervalSec: interval === 0 ? DEFAULT_CAPTURE_INTERVAL_SEC : interval,
    // Web sources default to the encoding size; SDK sources to the track size, later.
    width: width === 0 && draft.isWebSource ? draft.encoding.width : width,
    height: height === 0 && draft.isWebSource ? draft.encoding.height : height,
    filenamePrefix,
    filenameSuffix,
    imageCodec: 'jpeg',
    disableManifest: raw.disableManifest === true,
  };
  if (raw.upload) out.upload = raw.upload;
  return out;
}

/** Applies every output the way Go's updateEncodedOutputs/updateOutputs do. */
export function planOutputs(draft: EgressDraft, raw: RawOutputs): void {
  const prefix = raw.apiVersion === 1 ? '' : 'outputs.';
  if (raw.file) draft.file = planFile(draft, raw.file, `${prefix}file`);
  if (raw.stream) planStream(draft, raw.stream, raw.apiVersion, `${prefix}stream`);
  if (raw.segments) draft.segments = planSegments(draft, raw.segments, `${prefix}segments`);

  const encodedCount =
    (draft.file ? 1 : 0) +
    (draft.stream ? 1 : 0) +
    (draft.segments ? 1 : 0) +
    (draft.websocket ? 1 : 0);
  if (draft.stream && draft.stream.urls.length === 0 && encodedCount + raw.images.length === 1) {
    // An empty stream output only makes sense next to another output (URLs are added later).
    throw invalidField(
      `${prefix}stream.urls`,
      'add a url, or add another output beside the stream',
    );
  }

  if (draft.websocket) {
    if (encodedCount + raw.images.length > 1) {
      throw invalidField(
        `${prefix}stream`,
        'a websocket output cannot be combined with other outputs',
      );
    }
    if (!draft.hasAudio) {
      throw invalidField(`${prefix}stream`, 'a websocket output carries audio only; record audio');
    }
    // Websocket is audio only: Go drops the video of an audio+video source.
    draft.hasVideo = false;
  }

  // Keyframes: segments force 0 (splitmuxsink asks for keyframes); with a stream the segment
  // duration shrinks to the requested interval; streams alone default to 4 s.
  const requestedKfi = draft.encoding.keyFrameIntervalSec;
  if (draft.segments) {
    if (draft.stream && requestedKfi > 0) {
      // Go truncates to whole seconds and could reach 0; a segment is at least 1 s here.
      draft.segments.segmentDurationSec = Math.max(
        1,
        Math.min(Math.trunc(requestedKfi), draft.segments.segmentDurationSec),
      );
    }
    draft.encoding.keyFrameIntervalSec = 0;
  } else if (draft.stream && requestedKfi === 0) {
    draft.encoding.keyFrameIntervalSec = STREAM_KEYFRAME_INTERVAL_SEC;
  }

  if (raw.images.length > 0) {
    if (!draft.hasVideo) {
      throw invalidField(
        `${prefix}image_outputs`,
        'image outputs need video: unset audio_only or add a video track',
      );
    }
    raw.images.forEach((image, i) => {
      draft.images.push(planImage(draft, image, `${prefix}image_outputs[${i}]`));
    });
    // Image-only egress records no audio.
    if (encodedCount === 0) draft.hasAudio = false;
  }

  if (encodedCount + draft.images.length === 0) {
    throw invalidField('output', 'add at least one file, stream, segment or image output');
  }
}
