import {
  AudioCodec,
  type EncodingOptions,
  EncodingOptionsPreset,
  VideoCodec,
} from '@livekit/protocol';
import { EgressError } from '../errors.js';
import type { AudioCodecName, VideoCodecName } from '../request-types.js';

/** H.264 profiles the encoder can be asked for. */
export type H264Profile = 'baseline' | 'main' | 'high';

/**
 * Encoder settings in plain camelCase with units in the names; what a worker builds its audio
 * and video encoders from.
 */
export interface EncodingSettings {
  /** Output width in pixels (even, 16 to {@link ENCODING_LIMITS}.maxDimension). */
  width: number;
  /** Output height in pixels (even, 16 to {@link ENCODING_LIMITS}.maxDimension). */
  height: number;
  /** Colour depth in bits: 8, 16 or 24. */
  depth: number;
  /** Frames per second. */
  framerate: number;
  videoBitrateKbps: number;
  /** Always `h264`: the only video codec that is encoded (egress-go-behavior.md §9). */
  videoCodec: VideoCodecName;
  h264Profile: H264Profile;
  audioCodec: AudioCodecName;
  audioBitrateKbps: number;
  /**
   * Sample rate the audio is encoded at. Opus and PCM always run at 48000 Hz (Go ignores
   * `audio_frequency` for them); AAC and MP3 use `audio_frequency`, 44100 Hz by default.
   */
  audioFrequencyHz: number;
  /**
   * Seconds between forced keyframes; 0 leaves it to the encoder. Output planning sets it to 4 for
   * streams and to 0 with segments (egress-go-behavior.md §3).
   */
  keyFrameIntervalSec: number;
}

/** Go's defaults (pkg/config/pipeline.go): 720p30 at 3000 kbps, H.264 Main, 128 kbps audio. */
export const DEFAULT_ENCODING: Readonly<EncodingSettings> = Object.freeze({
  width: 1280,
  height: 720,
  depth: 24,
  framerate: 30,
  videoBitrateKbps: 3000,
  videoCodec: 'h264',
  h264Profile: 'main',
  audioCodec: 'opus',
  audioBitrateKbps: 128,
  audioFrequencyHz: 48000,
  keyFrameIntervalSec: 0,
});

/** Sample rate Go uses for AAC and MP3 unless `audio_frequency` is set. */
export const DEFAULT_AUDIO_FREQUENCY_HZ = 44100;
/** Sample rate Go always uses for Opus and raw PCM. */
export const OPUS_AUDIO_FREQUENCY_HZ = 48000;

/**
 * Bounds on advanced options. Go only checks width/height (even, >= 16) and depth; the upper
 * bounds and the bitrate/framerate/frequency ranges are ours, so a typo cannot ask x264 for a
 * 100000-pixel frame or a negative bitrate.
 */
export const ENCODING_LIMITS = Object.freeze({
  minDimension: 16,
  /** x264 and the Chrome window both handle 4096 (DCI 4K); larger is almost surely a typo. */
  maxDimension: 4096,
  maxFramerate: 120,
  maxVideoBitrateKbps: 100_000,
  maxAudioBitrateKbps: 1024,
  minAudioFrequencyHz: 8000,
  maxAudioFrequencyHz: 96000,
  /** One hour; a keyframe interval beyond that is a unit mistake (ms for s). */
  maxKeyFrameIntervalSec: 3600,
});

interface PresetSize {
  width: number;
  height: number;
  framerate: number;
  videoBitrateKbps: number;
}

/** The encoding presets of pkg/config/encoding.go; PASSTHROUGH is handled by the request. */
export const ENCODING_PRESETS: Readonly<Record<number, Readonly<PresetSize>>> = Object.freeze({
  [EncodingOptionsPreset.H264_720P_30]: {
    width: 1280,
    height: 720,
    framerate: 30,
    videoBitrateKbps: 3000,
  },
  [EncodingOptionsPreset.H264_720P_60]: {
    width: 1280,
    height: 720,
    framerate: 60,
    videoBitrateKbps: 4500,
  },
  [EncodingOptionsPreset.H264_1080P_30]: {
    width: 1920,
    height: 1080,
    framerate: 30,
    videoBitrateKbps: 4500,
  },
  [EncodingOptionsPreset.H264_1080P_60]: {
    width: 1920,
    height: 1080,
    framerate: 60,
    videoBitrateKbps: 6000,
  },
  [EncodingOptionsPreset.PORTRAIT_H264_720P_30]: {
    width: 720,
    height: 1280,
    framerate: 30,
    videoBitrateKbps: 3000,
  },
  [EncodingOptionsPreset.PORTRAIT_H264_720P_60]: {
    width: 720,
    height: 1280,
    framerate: 60,
    videoBitrateKbps: 4500,
  },
  [EncodingOptionsPreset.PORTRAIT_H264_1080P_30]: {
    width: 1080,
    height: 1920,
    framerate: 30,
    videoBitrateKbps: 4500,
  },
  [EncodingOptionsPreset.PORTRAIT_H264_1080P_60]: {
    width: 1080,
    height: 1920,
    framerate: 60,
    videoBitrateKbps: 6000,
  },
});

/** Options for {@link resolveEncoding}: the request's `preset | advanced` oneof. */
export interface ResolveEncodingOptions {
  /** A preset; PASSTHROUGH resolves to the defaults (the request decides what passthrough means). */
  preset?: EncodingOptionsPreset;
  /** Advanced options; zero fields keep the defaults, as in Go. */
  advanced?: EncodingOptions;
}

/**
 * Builds the message of an invalid-field error: Go's text first (so logs and clients that match
 * on it keep working), then what to change.
 */
export function invalidField(field: string, hint: string): EgressError {
  return EgressError.invalidArgument(`request has missing or invalid field: ${field} (${hint})`, {
    field,
  });
}

/**
 * The audio codec an advanced block asks for, or undefined for DEFAULT_AC (output planning then
 * picks one that fits every output).
 *
 * @throws EgressError `invalid_argument` for a value outside OPUS, AAC, AC_MP3.
 */
export function requestedAudioCodec(
  advanced: EncodingOptions | undefined,
): AudioCodecName | undefined {
  switch (advanced?.audioCodec ?? AudioCodec.DEFAULT_AC) {
    case AudioCodec.DEFAULT_AC:
      return undefined;
    case AudioCodec.OPUS:
      return 'opus';
    case AudioCodec.AAC:
      return 'aac';
    case AudioCodec.AC_MP3:
      return 'mp3';
    default:
      throw invalidField('advanced.audio_codec', 'use OPUS, AAC or AC_MP3, or leave it unset');
  }
}

function h264ProfileOf(codec: VideoCodec): H264Profile {
  switch (codec) {
    case VideoCodec.DEFAULT_VC:
    case VideoCodec.H264_MAIN:
      return 'main';
    case VideoCodec.H264_BASELINE:
      return 'baseline';
    case VideoCodec.H264_HIGH:
      return 'high';
    default:
      // Go ignores VP8 here and encodes H.264 anyway; we refuse instead of silently changing it.
      throw invalidField(
        'advanced.video_codec',
        'only H.264 is encoded: use H264_BASELINE, H264_MAIN or H264_HIGH, or leave it unset',
      );
  }
}

function isInt(value: number): boolean {
  return Number.isInteger(value);
}

function checkDimension(field: string, value: number): void {
  const { minDimension, maxDimension } = ENCODING_LIMITS;
  if (!isInt(value) || value < minDimension || value > maxDimension || value % 2 !== 0) {
    throw invalidField(
      field,
      `use an even number from ${minDimension} to ${maxDimension}, or 0 for the default`,
    );
  }
}

function checkRange(field: string, value: number, min: number, max: number, unit: string): void {
  if (!isInt(value) || value < min || value > max) {
    throw invalidField(
      field,
      `use a whole number from ${min} to ${max} ${unit}, or 0 for the default`,
    );
  }
}

/**
 * The advanced block with absent fields as zero, so a plain object (not a protobuf instance)
 * reads like the message it stands for.
 */
function withZeroDefaults(advanced: EncodingOptions): EncodingOptions {
  const num = (value: unknown): number =>
    value === undefined || value === null ? 0 : (value as number);
  return {
    ...advanced,
    width: num(advanced.width),
    height: num(advanced.height),
    depth: num(advanced.depth),
    framerate: num(advanced.framerate),
    audioCodec: advanced.audioCodec ?? AudioCodec.DEFAULT_AC,
    audioBitrate: num(advanced.audioBitrate),
    audioFrequency: num(advanced.audioFrequency),
    videoCodec: advanced.videoCodec ?? VideoCodec.DEFAULT_VC,
    videoBitrate: num(advanced.videoBitrate),
    keyFrameInterval: num(advanced.keyFrameInterval),
  } as EncodingOptions;
}

/**
 * Resolves a request's encoding options to plain settings: Go's defaults, then the preset, then
 * the non-zero advanced fields. `audioCodec` is the requested codec, or `opus` when none is
 * requested (output planning may change it to fit the outputs).
 *
 * @throws EgressError `invalid_argument` naming the field: odd or out-of-range width/height,
 * depth other than 8/16/24, framerate or bitrate out of range, a non-H.264 video codec, an
 * unknown audio codec or preset, or a negative keyframe interval.
 */
export function resolveEncoding(options: ResolveEncodingOptions = {}): EncodingSettings {
  const settings: EncodingSettings = { ...DEFAULT_ENCODING };
  const { preset, advanced } = options;

  if (preset !== undefined && preset !== EncodingOptionsPreset.PASSTHROUGH) {
    const size = ENCODING_PRESETS[preset];
    if (!size) {
      throw invalidField('preset', 'use one of the H264_* or PORTRAIT_H264_* presets');
    }
    Object.assign(settings, size);
  }

  const a = advanced ? withZeroDefaults(advanced) : undefined;
  if (a) {
    const audioCodec = requestedAudioCodec(a);
    if (audioCodec) settings.audioCodec = audioCodec;
    settings.h264Profile = h264ProfileOf(a.videoCodec);

    const limits = ENCODING_LIMITS;
    if (a.width !== 0) {
      checkDimension('advanced.width', a.width);
      settings.width = a.width;
    }
    if (a.height !== 0) {
      checkDimension('advanced.height', a.height);
      settings.height = a.height;
    }
    if (a.depth !== 0) {
      if (a.depth !== 8 && a.depth !== 16 && a.depth !== 24) {
        throw invalidField('advanced.depth', 'use 8, 16 or 24, or 0 for the default (24)');
      }
      settings.depth = a.depth;
    }
    if (a.framerate !== 0) {
      checkRange('advanced.framerate', a.framerate, 1, limits.maxFramerate, 'fps');
      settings.framerate = a.framerate;
    }
    if (a.videoBitrate !== 0) {
      checkRange('advanced.video_bitrate', a.videoBitrate, 1, limits.maxVideoBitrateKbps, 'kbps');
      settings.videoBitrateKbps = a.videoBitrate;
    }
    if (a.audioBitrate !== 0) {
      checkRange('advanced.audio_bitrate', a.audioBitrate, 1, limits.maxAudioBitrateKbps, 'kbps');
      settings.audioBitrateKbps = a.audioBitrate;
    }
    if (a.audioFrequency !== 0) {
      checkRange(
        'advanced.audio_frequency',
        a.audioFrequency,
        limits.minAudioFrequencyHz,
        limits.maxAudioFrequencyHz,
        'Hz',
      );
    }
    const kfi = a.keyFrameInterval;
    if (!Number.isFinite(kfi) || kfi < 0 || kfi > limits.maxKeyFrameIntervalSec) {
      throw invalidField(
        'advanced.key_frame_interval',
        `use seconds from 0 to ${limits.maxKeyFrameIntervalSec}; 0 picks the default`,
      );
    }
    settings.keyFrameIntervalSec = kfi;
  }

  settings.audioFrequencyHz = audioFrequencyFor(
    settings.audioCodec,
    a && a.audioFrequency !== 0 ? a.audioFrequency : undefined,
  );
  return settings;
}

/**
 * The sample rate an audio codec is encoded at: 48000 Hz for Opus and PCM, otherwise the
 * requested `audio_frequency` or 44100 Hz (pkg/pipeline/builder/audio.go).
 */
export function audioFrequencyFor(codec: AudioCodecName, requestedHz: number | undefined): number {
  if (codec === 'opus' || codec === 'pcm') return OPUS_AUDIO_FREQUENCY_HZ;
  return requestedHz ?? DEFAULT_AUDIO_FREQUENCY_HZ;
}
