import { posix } from 'node:path';
import {
  type AudioChannel,
  AudioMixing,
  EncodedFileType,
  type EncodingOptions,
  EncodingOptionsPreset,
  ImageCodec,
  ImageFileSuffix,
  type ParticipantInfo_Kind,
  SegmentedFileProtocol,
  SegmentedFileSuffix,
  type StorageConfig,
  StreamProtocol,
  type WebhookConfig,
} from '@livekit/protocol';
import { EgressError } from '../errors.js';
import { nonRetryableOutputError } from '../naming/non-retryable-output-error.js';
import type {
  AudioCodecName,
  EgressRequest,
  OutputFileType,
  RequestType,
  VideoCodecName,
} from '../request-types.js';
import {
  CODEC_COMPATIBILITY,
  ENCODABLE_AUDIO_CODECS,
  ENCODABLE_VIDEO_CODECS,
  type OutputContainer,
  selectDefaultFileType,
} from './codecs.js';
import {
  audioFrequencyFor,
  type EncodingSettings,
  invalidField,
  requestedAudioCodec,
  resolveEncoding,
} from './encoding.js';
import { type ParsedStreamUrl, parseStreamUrl, type StreamUrlProtocol } from './stream-url.js';

/** A storage block carried through for the uploader: `{ case: 's3' | 'gcp' | 'azure' | 'aliOSS', value }`. */
export type UploadConfig = Extract<StorageConfig['provider'], { case: string }>;

/** Where the media comes from. */
export type EgressSource =
  | {
      kind: 'template';
      layout: string;
      /** Empty: the server's `template_base`. */
      customBaseUrl: string;
      /** Only used when the source is `sdk` (audio only, no layout, no custom URL). */
      audioMixing: AudioMixing;
      awaitStartSignal: true;
    }
  | { kind: 'web'; url: string; awaitStartSignal: boolean }
  | { kind: 'participant'; identity: string; screenShare: boolean }
  | { kind: 'track-composite'; audioTrackId?: string; videoTrackId?: string }
  /** A single track, not transcoded (v1 track egress, or a v2 PASSTHROUGH media source). */
  | { kind: 'track'; trackId: string }
  | {
      kind: 'media';
      video?: { trackId: string } | { identity: string; preferScreenShare: boolean };
      audio?: { captureAll: boolean; routes: AudioRoutePlan[] };
    };

/** One v2 audio route: which audio, and which channel it goes to. */
export interface AudioRoutePlan {
  match:
    | { kind: 'trackId'; trackId: string }
    | { kind: 'participantIdentity'; identity: string }
    | { kind: 'participantKind'; participantKind: ParticipantInfo_Kind };
  channel: AudioChannel;
}

/** A file output; the file name is computed later from `filepath` and `fileType`. */
export interface FileOutputPlan {
  /** Absent for a track egress: the worker picks it from the track codec (`fileTypeForTrackCodec`). */
  fileType?: OutputFileType;
  /** As requested (may hold `{room_name}`-style templates, be empty or end in `/`). */
  filepath: string;
  disableManifest: boolean;
  /** The output's own storage; absent falls back to `requestUpload`, then the server's. */
  upload?: UploadConfig;
}

/** An RTMP or SRT output (one muxer, several destinations). */
export interface StreamOutputPlan {
  protocol: 'rtmp' | 'srt';
  /** Validated, de-duplicated destinations; may be empty when other outputs exist. */
  urls: ParsedStreamUrl[];
}

/** An HLS output; names are computed later from the prefix and playlist fields. */
export interface SegmentOutputPlan {
  protocol: 'hls';
  filenamePrefix: string;
  playlistName: string;
  /** Empty: no live playlist. */
  livePlaylistName: string;
  /** Segment length; 4 s by default, at most the keyframe interval when a stream shares it. */
  segmentDurationSec: number;
  /** INDEX or TIMESTAMP; the protobuf enum, so the plan feeds `segmentOutputNames` as is. */
  filenameSuffix: SegmentedFileSuffix;
  disableManifest: boolean;
  upload?: UploadConfig;
}

/** A JPEG snapshot output. */
export interface ImageOutputPlan {
  /** 10 s by default. */
  captureIntervalSec: number;
  /** Pixels; 0 for SDK sources means "the track's width" (known only after subscribing). */
  width: number;
  /** Pixels; 0 for SDK sources means "the track's height". */
  height: number;
  filenamePrefix: string;
  /** INDEX, TIMESTAMP or NONE_OVERWRITE; the protobuf enum, so the plan feeds `imageOutputNames`. */
  filenameSuffix: ImageFileSuffix;
  imageCodec: 'jpeg';
  disableManifest: boolean;
  upload?: UploadConfig;
}

/** Raw PCM over a websocket (v1 track egress or a v2 websocket stream output). */
export interface WebsocketOutputPlan {
  url: string;
  redacted: string;
}

/**
 * A request after validation: a plain, normalized description a worker builds its pipeline from.
 * It holds secrets (storage keys, stream keys): never log it whole.
 */
export interface ValidatedEgress {
  /** 1 for the five v1 request messages, 2 for `StartEgressRequest`. */
  apiVersion: 1 | 2;
  /** The job name: template → `room-composite`, media → `track-composite`/`participant`, passthrough → `track`. */
  requestType: RequestType;
  /** `web` records a browser (Chrome + PulseAudio); `sdk` joins the room as a subscriber. */
  sourceKind: 'web' | 'sdk';
  source: EgressSource;
  /** Empty for web sources. */
  roomName: string;
  /** Whether the pipeline carries audio. For a track egress both flags are true: the kind is known after subscribing. */
  hasAudio: boolean;
  /** Whether the pipeline carries video. */
  hasVideo: boolean;
  /** No transcoding: the track is remuxed (track egress, v2 PASSTHROUGH). */
  isPassthrough: boolean;
  /** Codecs resolved against the outputs; keyframe interval after the stream/segment rules. */
  encoding: EncodingSettings;
  file?: FileOutputPlan;
  stream?: StreamOutputPlan;
  segments?: SegmentOutputPlan;
  images: ImageOutputPlan[];
  websocket?: WebsocketOutputPlan;
  /** v2 request-level storage, used by outputs without their own. */
  requestUpload?: UploadConfig;
  webhooks: WebhookConfig[];
}

/** Options for {@link validateRequest}. */
export interface ValidateRequestOptions {
  /**
   * How many times this egress was retried (`rpc.StartEgressRequest.retry_count`); from 1 on,
   * explicit file paths and segment prefixes must contain `{retry}`.
   * @defaultValue 0
   */
  retryCount?: number;
}

/**
 * Length limits on request strings (ours; Go has none). They keep a hostile request from
 * carrying megabytes into names, logs and object keys. Paths follow S3's 1024-byte key limit.
 */
export const REQUEST_LIMITS = Object.freeze({
  maxNameChars: 1024,
  maxPathChars: 1024,
  maxUrlChars: 8192,
});

/** Go's default image capture interval (pkg/config/output_image.go). */
export const DEFAULT_CAPTURE_INTERVAL_SEC = 10;
/** Go's default HLS segment duration (pkg/config/output_segment.go). */
export const DEFAULT_SEGMENT_DURATION_SEC = 4;
/** Keyframe interval Go forces for streams when none is requested (pkg/config/output.go). */
export const STREAM_KEYFRAME_INTERVAL_SEC = 4;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function checkText(
  field: string,
  value: unknown,
  options: { required?: boolean; maxChars?: number } = {},
): string {
  const { required = false, maxChars = REQUEST_LIMITS.maxNameChars } = options;
  const text = value === undefined || value === null ? '' : value;
  if (typeof text !== 'string') throw invalidField(field, 'expected a string');
  if (required && text.trim() === '') throw invalidField(field, 'it is required');
  if (text.length > maxChars) throw invalidField(field, `use at most ${maxChars} characters`);
  if (CONTROL_CHARS.test(text)) throw invalidField(field, 'remove control characters');
  return text;
}

function checkHttpUrl(field: string, value: unknown, required: boolean): string {
  const url = checkText(field, value, { required, maxChars: REQUEST_LIMITS.maxUrlChars });
  if (url === '') return url;
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    // Not a URL at all: the hint below says what is expected.
    scheme = '';
  }
  if (scheme !== 'http:' && scheme !== 'https:') {
    throw invalidField(field, 'use an http:// or https:// url');
  }
  return url;
}

function checkUint(field: string, value: unknown, hint: string, max = 0xffffffff): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalidField(field, hint);
  }
  return value;
}

function uploadOf(
  output: { case?: string; value?: unknown } | undefined,
): UploadConfig | undefined {
  if (!output || output.case === undefined || output.value === undefined) return undefined;
  return output as UploadConfig;
}

/** Go's `clean`: path.Clean, leading `../` stripped, a trailing `/` kept. */
function cleanPath(filepath: string): string {
  if (filepath === '') return '';
  const hasEndingSlash = filepath.endsWith('/');
  let cleaned = posix.normalize(filepath);
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  while (cleaned.startsWith('../')) cleaned = cleaned.slice(3);
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return '';
  return hasEndingSlash ? `${cleaned}/` : cleaned;
}

function splitPath(p: string): [dir: string, name: string] {
  const slash = p.lastIndexOf('/');
  return slash === -1 ? ['', p] : [p.slice(0, slash + 1), p.slice(slash + 1)];
}

const KNOWN_EXTENSIONS = ['.raw', '.ogg', '.mp3', '.ivf', '.mp4', '.ts', '.webm', '.m3u8', '.jpeg'];

function removeKnownExtension(name: string): string {
  // Go also cuts unknown extensions here (egress-go-behavior.md §9); we cut only known ones.
  const dot = name.lastIndexOf('.');
  return dot > -1 && KNOWN_EXTENSIONS.includes(name.slice(dot)) ? name.slice(0, dot) : name;
}

/** Raw v1 or v2 output blocks, before planning. */
interface RawFile {
  fileType: EncodedFileType;
  filepath: unknown;
  disableManifest: boolean;
  upload?: UploadConfig;
}
interface RawStream {
  protocol: StreamProtocol;
  urls: unknown;
}
interface RawSegments {
  protocol: SegmentedFileProtocol;
  filenamePrefix: unknown;
  playlistName: unknown;
  livePlaylistName: unknown;
  segmentDuration: unknown;
  filenameSuffix: SegmentedFileSuffix;
  disableManifest: boolean;
  upload?: UploadConfig;
}
interface RawImage {
  captureInterval: unknown;
  width: unknown;
  height: unknown;
  filenamePrefix: unknown;
  filenameSuffix: ImageFileSuffix;
  imageCodec: ImageCodec;
  disableManifest: boolean;
  upload?: UploadConfig;
}
interface RawOutputs {
  apiVersion: 1 | 2;
  file?: RawFile;
  stream?: RawStream;
  segments?: RawSegments;
  images: RawImage[];
}

/** The state being built; mirrors Go's PipelineConfig while outputs are applied. */
interface Plan {
  hasAudio: boolean;
  hasVideo: boolean;
  encoding: EncodingSettings;
  requestedAudio: AudioCodecName | undefined;
  requestedFrequencyHz: number | undefined;
  retryCount: number;
  isWebSource: boolean;
  file?: FileOutputPlan;
  stream?: StreamOutputPlan;
  segments?: SegmentOutputPlan;
  images: ImageOutputPlan[];
  websocket?: WebsocketOutputPlan;
}

function planFile(plan: Plan, raw: RawFile, field: string): FileOutputPlan {
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
  checkRetryPath(plan, cleanPath(filepath), `${field}.filepath`);
  const out: FileOutputPlan = { filepath, disableManifest: raw.disableManifest === true };
  if (fileType) out.fileType = fileType;
  if (raw.upload) out.upload = raw.upload;
  return out;
}

function checkRetryPath(plan: Plan, cleaned: string, field: string): void {
  // On retry an explicit path would overwrite the first attempt's file (pkg/config/output_file.go).
  if (
    plan.retryCount > 0 &&
    cleaned !== '' &&
    !cleaned.endsWith('/') &&
    !cleaned.includes('{retry}')
  ) {
    throw nonRetryableOutputError(field);
  }
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

/** Applies a stream output: RTMP/SRT go to `plan.stream`, a websocket to `plan.websocket`. */
function planStream(plan: Plan, raw: RawStream, apiVersion: 1 | 2, field: string): void {
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
    plan.websocket = { url: only.url, redacted: only.redacted };
    return;
  }
  plan.stream = { protocol, urls: parsed };
}

function planSegments(plan: Plan, raw: RawSegments, field: string): SegmentOutputPlan {
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

  const prefix = cleanPath(filenamePrefix);
  const playlist = cleanPath(playlistName);
  const live = cleanPath(livePlaylistName);
  if (plan.retryCount > 0) {
    // Segment names derive from the prefix, or from the playlist when the prefix is empty.
    if (prefix !== '' && !prefix.includes('{retry}')) {
      throw nonRetryableOutputError(`${field}.filename_prefix`);
    }
    if (prefix === '' && playlist !== '' && !playlist.includes('{retry}')) {
      throw nonRetryableOutputError(`${field}.playlist_name`);
    }
  }

  const [playlistDir, playlistBase] = splitPath(playlist);
  const [liveDir, liveBase] = splitPath(live);
  if (liveDir !== '' && liveDir !== playlistDir) {
    throw invalidField(
      `${field}.live_playlist_name`,
      'live_playlist_name must be in same directory as playlist_name',
    );
  }
  const liveName = removeKnownExtension(liveBase);
  const playlistNameOnly = removeKnownExtension(playlistBase) || splitPath(prefix)[1];
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

function planImage(plan: Plan, raw: RawImage, field: string): ImageOutputPlan {
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
    width: width === 0 && plan.isWebSource ? plan.encoding.width : width,
    height: height === 0 && plan.isWebSource ? plan.encoding.height : height,
    filenamePrefix,
    filenameSuffix,
    imageCodec: 'jpeg',
    disableManifest: raw.disableManifest === true,
  };
  if (raw.upload) out.upload = raw.upload;
  return out;
}

/** Applies every output the way Go's updateEncodedOutputs/updateOutputs do. */
function planOutputs(plan: Plan, raw: RawOutputs): void {
  const prefix = raw.apiVersion === 1 ? '' : 'outputs.';
  if (raw.file) plan.file = planFile(plan, raw.file, `${prefix}file`);
  if (raw.stream) planStream(plan, raw.stream, raw.apiVersion, `${prefix}stream`);
  if (raw.segments) plan.segments = planSegments(plan, raw.segments, `${prefix}segments`);

  const encodedCount =
    (plan.file ? 1 : 0) +
    (plan.stream ? 1 : 0) +
    (plan.segments ? 1 : 0) +
    (plan.websocket ? 1 : 0);
  if (plan.stream && plan.stream.urls.length === 0 && encodedCount + raw.images.length === 1) {
    // An empty stream output only makes sense next to another output (URLs are added later).
    throw invalidField(
      `${prefix}stream.urls`,
      'add a url, or add another output beside the stream',
    );
  }

  if (plan.websocket) {
    if (encodedCount + raw.images.length > 1) {
      throw invalidField(
        `${prefix}stream`,
        'a websocket output cannot be combined with other outputs',
      );
    }
    if (!plan.hasAudio) {
      throw invalidField(`${prefix}stream`, 'a websocket output carries audio only; record audio');
    }
    // Websocket is audio only: Go drops the video of an audio+video source.
    plan.hasVideo = false;
  }

  // Keyframes: segments force 0 (splitmuxsink asks for keyframes); with a stream the segment
  // duration shrinks to the requested interval; streams alone default to 4 s.
  const requestedKfi = plan.encoding.keyFrameIntervalSec;
  if (plan.segments) {
    if (plan.stream && requestedKfi > 0) {
      // Go truncates to whole seconds and could reach 0; a segment is at least 1 s here.
      plan.segments.segmentDurationSec = Math.max(
        1,
        Math.min(Math.trunc(requestedKfi), plan.segments.segmentDurationSec),
      );
    }
    plan.encoding.keyFrameIntervalSec = 0;
  } else if (plan.stream && requestedKfi === 0) {
    plan.encoding.keyFrameIntervalSec = STREAM_KEYFRAME_INTERVAL_SEC;
  }

  if (raw.images.length > 0) {
    if (!plan.hasVideo) {
      throw invalidField(
        `${prefix}image_outputs`,
        'image outputs need video: unset audio_only or add a video track',
      );
    }
    raw.images.forEach((image, i) => {
      plan.images.push(planImage(plan, image, `${prefix}image_outputs[${i}]`));
    });
    // Image-only egress records no audio.
    if (encodedCount === 0) plan.hasAudio = false;
  }

  if (encodedCount + plan.images.length === 0) {
    throw invalidField('output', 'add at least one file, stream, segment or image output');
  }
}

function codecError(container: OutputContainer, codec: string, hint: string): EgressError {
  return EgressError.invalidArgument(
    `format ${container} incompatible with codec ${codec} (${hint})`,
  );
}

/** Picks codecs every encoded output accepts and the DEFAULT file type (pkg/config/pipeline.go). */
function planCodecs(plan: Plan): void {
  if (plan.websocket) {
    plan.encoding.audioCodec = 'pcm';
    plan.encoding.audioFrequencyHz = audioFrequencyFor('pcm', undefined);
    return;
  }

  // RTMP and SRT force AAC + H.264 whatever was requested, as in Go.
  const forcedAudio: AudioCodecName | undefined = plan.stream ? 'aac' : undefined;
  const outputs: { container: OutputContainer | undefined }[] = [];
  if (plan.file) outputs.push({ container: plan.file.fileType });
  if (plan.segments) outputs.push({ container: 'hls' });
  if (plan.stream) outputs.push({ container: plan.stream.protocol });

  let audio: AudioCodecName[] = [];
  if (plan.hasAudio) {
    const wanted = forcedAudio ?? plan.requestedAudio;
    audio = wanted ? [wanted] : [...ENCODABLE_AUDIO_CODECS];
    for (const { container } of outputs) {
      // A DEFAULT file accepts every encodable codec until its type is picked below.
      if (container === undefined) continue;
      const accepted = CODEC_COMPATIBILITY[container].audio;
      audio = audio.filter((c) => accepted.includes(c));
      if (audio.length === 0) {
        if (!wanted) {
          throw EgressError.invalidArgument(
            'no supported codec is compatible with all outputs (use outputs that share an audio codec)',
          );
        }
        throw codecError(
          container,
          wanted,
          forcedAudio
            ? `rtmp and srt streams need aac, which ${container} cannot carry: use file_type MP4 or DEFAULT_FILETYPE`
            : audioHint(container),
        );
      }
    }
  }

  let video: VideoCodecName[] = [];
  if (plan.hasVideo) {
    video = [...ENCODABLE_VIDEO_CODECS];
    for (const { container } of outputs) {
      if (container === undefined) continue;
      const accepted = CODEC_COMPATIBILITY[container].video;
      video = video.filter((c) => accepted.includes(c));
      if (video.length === 0) {
        // Go names AudioOutCodec here (egress-go-behavior.md §9); we name the video codec.
        throw codecError(
          container,
          'h264',
          `${container} holds audio only: use file_type MP4 or DEFAULT_FILETYPE, or record audio only`,
        );
      }
    }
  }

  if (plan.file && plan.file.fileType === undefined) {
    const fileType = selectDefaultFileType(audio, video);
    if (!fileType) {
      throw EgressError.invalidArgument(
        'no supported file output type is compatible with the selected codecs (with video, use AAC or OPUS audio)',
      );
    }
    plan.file.fileType = fileType;
    const first = outputs[0];
    if (first) first.container = fileType;
  }

  if (plan.hasAudio) {
    let chosen: AudioCodecName | undefined;
    for (const { container } of outputs) {
      const preferred = container ? CODEC_COMPATIBILITY[container].defaultAudio : undefined;
      if (preferred && audio.includes(preferred)) {
        chosen = preferred;
        break;
      }
    }
    // Go picks a random compatible codec here; we take the first, so plans are reproducible.
    chosen ??= audio[0];
    if (chosen) plan.encoding.audioCodec = chosen;
  }
  plan.encoding.videoCodec = 'h264';
  plan.encoding.audioFrequencyHz = audioFrequencyFor(
    plan.encoding.audioCodec,
    plan.requestedFrequencyHz,
  );
}

function audioHint(container: OutputContainer): string {
  const accepted = CODEC_COMPATIBILITY[container].audio;
  return accepted.length === 0
    ? `${container} holds no audio`
    : `${container} carries ${accepted.join(' or ')}: change audio_codec or leave it unset`;
}

interface EncodingOneof {
  case?: 'preset' | 'advanced' | undefined;
  value?: EncodingOptionsPreset | EncodingOptions | undefined;
}

function encodingOf(options: EncodingOneof | undefined): {
  preset?: EncodingOptionsPreset;
  advanced?: EncodingOptions;
} {
  if (options?.case === 'preset') return { preset: options.value as EncodingOptionsPreset };
  if (options?.case === 'advanced' && typeof options.value === 'object' && options.value !== null) {
    return { advanced: options.value as EncodingOptions };
  }
  return {};
}

function newPlan(
  options: { preset?: EncodingOptionsPreset; advanced?: EncodingOptions },
  retryCount: number,
  isWebSource: boolean,
  hasAudio: boolean,
  hasVideo: boolean,
): Plan {
  const freq = options.advanced?.audioFrequency;
  return {
    hasAudio,
    hasVideo,
    encoding: resolveEncoding(options),
    requestedAudio: requestedAudioCodec(options.advanced),
    requestedFrequencyHz: typeof freq === 'number' && freq !== 0 ? freq : undefined,
    retryCount,
    isWebSource,
    images: [],
  };
}

/** Go's `ShouldUseSDKSource`: an audio-only template without layout or custom URL joins as SDK. */
function isSdkTemplate(t: { audioOnly: boolean; layout: string; customBaseUrl: string }): boolean {
  return t.audioOnly && t.layout === '' && t.customBaseUrl === '';
}

function checkAudioVideoFlags(audioOnly: boolean, videoOnly: boolean, field: string): void {
  if (audioOnly && videoOnly) {
    throw invalidField(
      `${field}audio_only and video_only`,
      'set at most one of audio_only and video_only',
    );
  }
}

function finish(
  plan: Plan,
  base: {
    apiVersion: 1 | 2;
    requestType: RequestType;
    sourceKind: 'web' | 'sdk';
    source: EgressSource;
    roomName: string;
    isPassthrough: boolean;
    webhooks: unknown;
    requestUpload?: UploadConfig;
  },
): ValidatedEgress {
  const out: ValidatedEgress = {
    apiVersion: base.apiVersion,
    requestType: base.requestType,
    sourceKind: base.sourceKind,
    source: base.source,
    roomName: base.roomName,
    hasAudio: plan.hasAudio,
    hasVideo: plan.hasVideo,
    isPassthrough: base.isPassthrough,
    encoding: plan.encoding,
    images: plan.images,
    webhooks: Array.isArray(base.webhooks) ? (base.webhooks as WebhookConfig[]) : [],
  };
  if (plan.file) out.file = plan.file;
  if (plan.stream) out.stream = plan.stream;
  if (plan.segments) out.segments = plan.segments;
  if (plan.websocket) out.websocket = plan.websocket;
  if (base.requestUpload) out.requestUpload = base.requestUpload;
  return out;
}

/** The v1 encoded outputs: the repeated fields, or the deprecated `file|stream|segments` oneof. */
interface V1Encoded {
  fileOutputs?: unknown;
  streamOutputs?: unknown;
  segmentOutputs?: unknown;
  imageOutputs?: unknown;
  output?: { case?: string; value?: unknown };
}

function listOf<T>(value: unknown): T[] {
  return Array.isArray(value)
    ? (value.filter((v) => typeof v === 'object' && v !== null) as T[])
    : [];
}

function pickOne<T>(list: T[], deprecated: T | undefined, field: string): T | undefined {
  if (list.length > 1)
    throw invalidField(field, `use at most one ${field.replace(/_outputs$/, '')} output`);
  return list[0] ?? deprecated;
}

interface FileLike {
  fileType?: EncodedFileType;
  filepath?: unknown;
  disableManifest?: boolean;
  output?: { case?: string; value?: unknown };
}
interface SegmentsLike {
  protocol?: SegmentedFileProtocol;
  filenamePrefix?: unknown;
  playlistName?: unknown;
  livePlaylistName?: unknown;
  segmentDuration?: unknown;
  filenameSuffix?: SegmentedFileSuffix;
  disableManifest?: boolean;
  output?: { case?: string; value?: unknown };
}
interface ImageLike {
  captureInterval?: unknown;
  width?: unknown;
  height?: unknown;
  filenamePrefix?: unknown;
  filenameSuffix?: ImageFileSuffix;
  imageCodec?: ImageCodec;
  disableManifest?: boolean;
  output?: { case?: string; value?: unknown };
}
interface StreamLike {
  protocol?: StreamProtocol;
  urls?: unknown;
}

function rawFile(f: FileLike, upload: UploadConfig | undefined): RawFile {
  const raw: RawFile = {
    fileType: f.fileType ?? EncodedFileType.DEFAULT_FILETYPE,
    filepath: f.filepath,
    disableManifest: f.disableManifest === true,
  };
  if (upload) raw.upload = upload;
  return raw;
}

function rawSegments(s: SegmentsLike, upload: UploadConfig | undefined): RawSegments {
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

function rawImage(i: ImageLike, upload: UploadConfig | undefined): RawImage {
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

function rawStream(s: StreamLike): RawStream {
  return { protocol: s.protocol ?? StreamProtocol.DEFAULT_PROTOCOL, urls: s.urls };
}

function v1Outputs(req: V1Encoded): RawOutputs {
  const deprecated = req.output?.case !== undefined ? req.output : undefined;
  const depValue = (c: string): unknown =>
    deprecated?.case === c && typeof deprecated.value === 'object' && deprecated.value !== null
      ? deprecated.value
      : undefined;

  const file = pickOne(
    listOf<FileLike>(req.fileOutputs),
    depValue('file') as FileLike | undefined,
    'file_outputs',
  );
  const stream = pickOne(
    listOf<StreamLike>(req.streamOutputs),
    depValue('stream') as StreamLike | undefined,
    'stream_outputs',
  );
  const segments = pickOne(
    listOf<SegmentsLike>(req.segmentOutputs),
    depValue('segments') as SegmentsLike | undefined,
    'segment_outputs',
  );
  const out: RawOutputs = {
    apiVersion: 1,
    images: listOf<ImageLike>(req.imageOutputs).map((i) => rawImage(i, uploadOf(i.output))),
  };
  if (file) out.file = rawFile(file, uploadOf(file.output));
  if (stream) out.stream = rawStream(stream);
  if (segments) out.segments = rawSegments(segments, uploadOf(segments.output));
  return out;
}

function checkNotPassthrough(options: { preset?: EncodingOptionsPreset }): void {
  if (options.preset === EncodingOptionsPreset.PASSTHROUGH) {
    // The passthrough preset is shared with request types that always transcode.
    throw invalidField('preset', 'PASSTHROUGH needs a v2 request with a media source of one track');
  }
}

type Value<C extends EgressRequest['case']> = Extract<EgressRequest, { case: C }>['value'];

function validateRoomComposite(req: Value<'roomComposite'>, retryCount: number): ValidatedEgress {
  const roomName = checkText('room_name', req.roomName, { required: true });
  const layout = checkText('layout', req.layout);
  const customBaseUrl = checkHttpUrl('custom_base_url', req.customBaseUrl, false);
  const audioOnly = req.audioOnly === true;
  const videoOnly = req.videoOnly === true;
  checkAudioVideoFlags(audioOnly, videoOnly, '');
  const isSdk = isSdkTemplate({ audioOnly, layout, customBaseUrl });
  const encoding = encodingOf(req.options);
  checkNotPassthrough(encoding);
  const audioMixing = req.audioMixing ?? AudioMixing.DEFAULT_MIXING;
  if (AudioMixing[audioMixing] === undefined) {
    throw invalidField(
      'audio_mixing',
      'use DEFAULT_MIXING, DUAL_CHANNEL_AGENT or DUAL_CHANNEL_ALTERNATE',
    );
  }
  const plan = newPlan(encoding, retryCount, !isSdk, !videoOnly, !audioOnly);
  planOutputs(plan, v1Outputs(req));
  planCodecs(plan);
  return finish(plan, {
    apiVersion: 1,
    requestType: 'room-composite',
    sourceKind: isSdk ? 'sdk' : 'web',
    source: { kind: 'template', layout, customBaseUrl, audioMixing, awaitStartSignal: true },
    roomName,
    isPassthrough: false,
    webhooks: req.webhooks,
  });
}

function validateWeb(req: Value<'web'>, retryCount: number): ValidatedEgress {
  const url = checkHttpUrl('url', req.url, true);
  const audioOnly = req.audioOnly === true;
  const videoOnly = req.videoOnly === true;
  checkAudioVideoFlags(audioOnly, videoOnly, '');
  const encoding = encodingOf(req.options);
  checkNotPassthrough(encoding);
  const plan = newPlan(encoding, retryCount, true, !videoOnly, !audioOnly);
  planOutputs(plan, v1Outputs(req));
  planCodecs(plan);
  return finish(plan, {
    apiVersion: 1,
    requestType: 'web',
    sourceKind: 'web',
    source: { kind: 'web', url, awaitStartSignal: req.awaitStartSignal === true },
    roomName: '',
    isPassthrough: false,
    webhooks: req.webhooks,
  });
}

function validateParticipant(req: Value<'participant'>, retryCount: number): ValidatedEgress {
  const roomName = checkText('room_name', req.roomName, { required: true });
  const identity = checkText('identity', req.identity, { required: true });
  const encoding = encodingOf(req.options);
  checkNotPassthrough(encoding);
  const plan = newPlan(encoding, retryCount, false, true, true);
  planOutputs(plan, v1Outputs(req));
  planCodecs(plan);
  return finish(plan, {
    apiVersion: 1,
    requestType: 'participant',
    sourceKind: 'sdk',
    source: { kind: 'participant', identity, screenShare: req.screenShare === true },
    roomName,
    isPassthrough: false,
    webhooks: req.webhooks,
  });
}

function validateTrackComposite(req: Value<'trackComposite'>, retryCount: number): ValidatedEgress {
  const roomName = checkText('room_name', req.roomName, { required: true });
  const audioTrackId = checkText('audio_track_id', req.audioTrackId);
  const videoTrackId = checkText('video_track_id', req.videoTrackId);
  if (audioTrackId === '' && videoTrackId === '') {
    throw invalidField(
      'audio_track_id or video_track_id',
      'set audio_track_id, video_track_id or both',
    );
  }
  const encoding = encodingOf(req.options);
  checkNotPassthrough(encoding);
  const plan = newPlan(encoding, retryCount, false, audioTrackId !== '', videoTrackId !== '');
  planOutputs(plan, v1Outputs(req));
  planCodecs(plan);
  const source: EgressSource = { kind: 'track-composite' };
  // Image-only egress drops the audio track (Go clears AudioTrackID).
  if (audioTrackId !== '' && plan.hasAudio) source.audioTrackId = audioTrackId;
  if (videoTrackId !== '') source.videoTrackId = videoTrackId;
  return finish(plan, {
    apiVersion: 1,
    requestType: 'track-composite',
    sourceKind: 'sdk',
    source,
    roomName,
    isPassthrough: false,
    webhooks: req.webhooks,
  });
}

function validateTrack(req: Value<'track'>, retryCount: number): ValidatedEgress {
  const roomName = checkText('room_name', req.roomName, { required: true });
  const trackId = checkText('track_id', req.trackId, { required: true });
  const plan = newPlan({}, retryCount, false, true, true);
  const output = req.output;
  if (output?.case === 'file' && typeof output.value === 'object' && output.value !== null) {
    const f = output.value;
    // A track's container follows its codec, so the type is left for the worker.
    plan.file = planFile(
      plan,
      rawFile({ ...f, fileType: EncodedFileType.DEFAULT_FILETYPE }, uploadOf(f.output)),
      'file',
    );
  } else if (output?.case === 'websocketUrl') {
    const parsed = parseStreamUrl(
      typeof output.value === 'string' ? output.value : '',
      'websocket',
    );
    plan.websocket = { url: parsed.url, redacted: parsed.redacted };
    plan.encoding.audioCodec = 'pcm';
    plan.encoding.audioFrequencyHz = audioFrequencyFor('pcm', undefined);
  } else {
    throw invalidField('output', 'set file or websocket_url');
  }
  return finish(plan, {
    apiVersion: 1,
    requestType: 'track',
    sourceKind: 'sdk',
    source: { kind: 'track', trackId },
    roomName,
    isPassthrough: true,
    webhooks: req.webhooks,
  });
}

interface V2Output {
  config?: { case?: string; value?: unknown };
  storage?: StorageConfig;
}

function v2Outputs(outputs: V2Output[]): RawOutputs {
  if (outputs.length === 0) throw invalidField('output', 'add at least one entry to outputs');
  const raw: RawOutputs = { apiVersion: 2, images: [] };
  for (const [i, output] of outputs.entries()) {
    const config = output.config;
    const value = config?.value;
    if (config?.case === undefined || typeof value !== 'object' || value === null) {
      throw invalidField(`outputs[${i}]`, 'set file, stream, segments or images');
    }
    const upload = uploadOf(output.storage?.provider);
    switch (config.case) {
      case 'file':
        if (raw.file) throw invalidField('multiple file outputs', 'use at most one file output');
        raw.file = rawFile(value as FileLike, upload);
        break;
      case 'stream':
        if (raw.stream) {
          throw invalidField('multiple stream outputs', 'use one stream output with several urls');
        }
        raw.stream = rawStream(value as StreamLike);
        break;
      case 'segments':
        if (raw.segments) {
          throw invalidField('multiple segmented file outputs', 'use at most one segments output');
        }
        raw.segments = rawSegments(value as SegmentsLike, upload);
        break;
      case 'images':
        raw.images.push(rawImage(value as ImageLike, upload));
        break;
      default:
        throw invalidField(`outputs[${i}]`, 'set file, stream, segments or images');
    }
  }
  return raw;
}

function audioRoutesOf(routes: unknown): AudioRoutePlan[] {
  return listOf<{ match?: { case?: string; value?: unknown }; channel?: AudioChannel }>(routes).map(
    (route, i) => {
      const field = `source.media.audio.routes[${i}]`;
      const channel = route.channel ?? (0 as AudioChannel);
      if (!Number.isInteger(channel) || channel < 0 || channel > 2) {
        throw invalidField(`${field}.channel`, 'use BOTH, LEFT or RIGHT');
      }
      const match = route.match;
      switch (match?.case) {
        case 'trackId':
          return {
            match: {
              kind: 'trackId',
              trackId: checkText(`${field}.track_id`, match.value, { required: true }),
            },
            channel,
          };
        case 'participantIdentity':
          return {
            match: {
              kind: 'participantIdentity',
              identity: checkText(`${field}.participant_identity`, match.value, { required: true }),
            },
            channel,
          };
        case 'participantKind':
          if (typeof match.value !== 'number') {
            throw invalidField(`${field}.participant_kind`, 'use a ParticipantInfo.Kind value');
          }
          return {
            match: {
              kind: 'participantKind',
              participantKind: match.value as ParticipantInfo_Kind,
            },
            channel,
          };
        default:
          throw invalidField(
            `${field}.match`,
            'set track_id, participant_identity or participant_kind',
          );
      }
    },
  );
}

interface V2Base {
  apiVersion: 2;
  webhooks: unknown;
  isPassthrough: boolean;
  requestUpload?: UploadConfig;
}

function validateV2(req: Value<'egress'>, retryCount: number): ValidatedEgress {
  const encoding = encodingOf(req.encoding);
  const isPassthrough = encoding.preset === EncodingOptionsPreset.PASSTHROUGH;
  const outputs = listOf<V2Output>(req.outputs);
  const requestUpload = uploadOf(req.storage?.provider);
  const roomNameRaw = checkText('room_name', req.roomName);
  const source = req.source;
  const base: V2Base = { apiVersion: 2, webhooks: req.webhooks, isPassthrough };
  if (requestUpload) base.requestUpload = requestUpload;

  if (isPassthrough) return validatePassthrough(req, outputs, retryCount, roomNameRaw, base);

  switch (source?.case) {
    case 'template': {
      const t = source.value;
      const roomName = checkText('room_name', roomNameRaw, { required: true });
      const layout = checkText('source.template.layout', t.layout);
      const customBaseUrl = checkHttpUrl('source.template.custom_base_url', t.customBaseUrl, false);
      const audioOnly = t.audioOnly === true;
      const videoOnly = t.videoOnly === true;
      checkAudioVideoFlags(audioOnly, videoOnly, 'source.template.');
      const isSdk = isSdkTemplate({ audioOnly, layout, customBaseUrl });
      const plan = newPlan(encoding, retryCount, !isSdk, !videoOnly, !audioOnly);
      planOutputs(plan, v2Outputs(outputs));
      planCodecs(plan);
      return finish(plan, {
        ...base,
        requestType: 'room-composite',
        sourceKind: isSdk ? 'sdk' : 'web',
        source: {
          kind: 'template',
          layout,
          customBaseUrl,
          audioMixing: AudioMixing.DEFAULT_MIXING,
          awaitStartSignal: true,
        },
        roomName,
      });
    }
    case 'web': {
      const w = source.value;
      const url = checkHttpUrl('source.web.url', w.url, true);
      const audioOnly = w.audioOnly === true;
      const videoOnly = w.videoOnly === true;
      checkAudioVideoFlags(audioOnly, videoOnly, 'source.web.');
      const plan = newPlan(encoding, retryCount, true, !videoOnly, !audioOnly);
      planOutputs(plan, v2Outputs(outputs));
      planCodecs(plan);
      return finish(plan, {
        ...base,
        requestType: 'web',
        sourceKind: 'web',
        source: { kind: 'web', url, awaitStartSignal: w.awaitStartSignal === true },
        roomName: roomNameRaw,
      });
    }
    case 'media': {
      const m = source.value;
      const roomName = checkText('room_name', roomNameRaw, { required: true });
      const media: Extract<EgressSource, { kind: 'media' }> = { kind: 'media' };
      let isParticipant = false;
      if (m.video?.case === 'videoTrackId') {
        media.video = {
          trackId: checkText('source.media.video_track_id', m.video.value, { required: true }),
        };
      } else if (m.video?.case === 'participantVideo') {
        const pv = m.video.value;
        media.video = {
          identity: checkText('source.media.participant_video.identity', pv?.identity, {
            required: true,
          }),
          preferScreenShare: pv?.preferScreenShare === true,
        };
        isParticipant = true;
      }
      if (m.audio) {
        const routes = audioRoutesOf(m.audio.routes);
        if (m.audio.captureAll === true || routes.length > 0) {
          media.audio = { captureAll: m.audio.captureAll === true, routes };
        }
      }
      if (!media.video && !media.audio) {
        throw invalidField(
          'audio or video',
          'set source.media.video or audio routes (or capture_all)',
        );
      }
      const plan = newPlan(
        encoding,
        retryCount,
        false,
        media.audio !== undefined,
        media.video !== undefined,
      );
      planOutputs(plan, v2Outputs(outputs));
      planCodecs(plan);
      // Image-only egress records no audio.
      if (!plan.hasAudio) delete media.audio;
      return finish(plan, {
        ...base,
        requestType: isParticipant ? 'participant' : 'track-composite',
        sourceKind: 'sdk',
        source: media,
        roomName,
      });
    }
    default:
      throw invalidField('source', 'set source.template, source.web or source.media');
  }
}

/** PASSTHROUGH: a media source with exactly one track and one DEFAULT file output. */
function validatePassthrough(
  req: Value<'egress'>,
  outputs: V2Output[],
  retryCount: number,
  roomNameRaw: string,
  base: V2Base,
): ValidatedEgress {
  const source = req.source;
  if (source?.case !== 'media') {
    throw invalidField('passthrough source', 'PASSTHROUGH needs source.media with one track');
  }
  const roomName = checkText('room_name', roomNameRaw, { required: true });
  const m = source.value;
  let videoTrackId = '';
  if (m.video?.case === 'videoTrackId') {
    videoTrackId = checkText('passthrough video_track_id', m.video.value, { required: true });
  } else if (m.video?.case === 'participantVideo') {
    throw invalidField(
      'passthrough participant_video',
      'PASSTHROUGH takes a video_track_id, not a participant',
    );
  }
  let audioTrackId = '';
  if (m.audio) {
    const routes = listOf<{ match?: { case?: string; value?: unknown } }>(m.audio.routes);
    if (m.audio.captureAll === true) {
      throw invalidField(
        'passthrough capture_all',
        'PASSTHROUGH records one track: unset capture_all',
      );
    }
    if (routes.length > 1) {
      throw invalidField(
        'passthrough audio routes',
        'PASSTHROUGH records one track: keep one audio route',
      );
    }
    const route = routes[0];
    if (route) {
      if (route.match?.case !== 'trackId') {
        throw invalidField(
          'passthrough audio route match',
          'PASSTHROUGH audio routes match by track_id',
        );
      }
      audioTrackId = checkText('passthrough audio route track_id', route.match.value, {
        required: true,
      });
    }
  }
  if ((videoTrackId === '') === (audioTrackId === '')) {
    throw invalidField(
      'passthrough track_id',
      'PASSTHROUGH records exactly one track: set video or audio, not both',
    );
  }
  const first = outputs[0];
  if (outputs.length !== 1 || !first) {
    throw invalidField('passthrough outputs', 'PASSTHROUGH takes exactly one file output');
  }
  const config = first.config;
  if (config?.case !== 'file' || typeof config.value !== 'object' || config.value === null) {
    throw invalidField('passthrough output', 'PASSTHROUGH takes exactly one file output');
  }
  const file = config.value as FileLike;
  if ((file.fileType ?? EncodedFileType.DEFAULT_FILETYPE) !== EncodedFileType.DEFAULT_FILETYPE) {
    throw invalidField(
      'passthrough file_type',
      'leave file_type DEFAULT_FILETYPE: the track codec picks it',
    );
  }
  const isVideo = videoTrackId !== '';
  const plan = newPlan({}, retryCount, false, !isVideo, isVideo);
  plan.file = planFile(plan, rawFile(file, uploadOf(first.storage?.provider)), 'outputs.file');
  return finish(plan, {
    ...base,
    requestType: 'track',
    sourceKind: 'sdk',
    source: { kind: 'track', trackId: isVideo ? videoTrackId : audioTrackId },
    roomName,
  });
}

/**
 * Validates an egress request and plans its outputs: every rule of Go's `PipelineConfig.Update`
 * (pkg/config/pipeline.go, output*.go, encoding.go, urls.go; egress-go-behavior.md §3), with the
 * differences listed in ./README.md. File names are not computed here.
 *
 * @throws EgressError `invalid_argument` with a message naming the field and what to change;
 * `failed_precondition` when a retry would overwrite an explicit output path.
 */
export function validateRequest(
  request: EgressRequest,
  options: ValidateRequestOptions = {},
): ValidatedEgress {
  const retryCount = options.retryCount ?? 0;
  if (typeof request !== 'object' || request === null) {
    throw invalidField('request', 'send one of the egress request messages');
  }
  const { case: kind, value } = request as { case?: unknown; value?: unknown };
  if (typeof value !== 'object' || value === null) {
    throw invalidField('request', 'send one of the egress request messages');
  }
  switch (kind) {
    case 'roomComposite':
      return validateRoomComposite(value as Value<'roomComposite'>, retryCount);
    case 'web':
      return validateWeb(value as Value<'web'>, retryCount);
    case 'participant':
      return validateParticipant(value as Value<'participant'>, retryCount);
    case 'trackComposite':
      return validateTrackComposite(value as Value<'trackComposite'>, retryCount);
    case 'track':
      return validateTrack(value as Value<'track'>, retryCount);
    case 'egress':
      return validateV2(value as Value<'egress'>, retryCount);
    default:
      throw invalidField('request', 'send one of the egress request messages');
  }
}
