import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AudioCodec, EncodingOptions, EncodingOptionsPreset, VideoCodec } from '@livekit/protocol';
import { EgressError } from '../errors.js';
import {
  DEFAULT_ENCODING,
  type EncodingSettings,
  type ResolveEncodingOptions,
  resolveEncoding,
} from './encoding.js';

interface Case {
  name: string;
  input: ResolveEncodingOptions;
  /** Fields expected to differ from the defaults, or the field named in the error. */
  want: Partial<EncodingSettings> | { error: string };
}

const adv = (fields: ConstructorParameters<typeof EncodingOptions>[0]): ResolveEncodingOptions => ({
  advanced: new EncodingOptions(fields),
});

const cases: Case[] = [
  { name: 'uses the Go defaults without options', input: {}, want: {} },
  {
    name: 'H264_720P_30 is the defaults',
    input: { preset: EncodingOptionsPreset.H264_720P_30 },
    want: {},
  },
  {
    name: 'H264_720P_60 is 1280x720 at 60 fps and 4500 kbps',
    input: { preset: EncodingOptionsPreset.H264_720P_60 },
    want: { framerate: 60, videoBitrateKbps: 4500 },
  },
  {
    name: 'H264_1080P_30 is 1920x1080 at 30 fps and 4500 kbps',
    input: { preset: EncodingOptionsPreset.H264_1080P_30 },
    want: { width: 1920, height: 1080, videoBitrateKbps: 4500 },
  },
  {
    name: 'H264_1080P_60 is 1920x1080 at 60 fps and 6000 kbps',
    input: { preset: EncodingOptionsPreset.H264_1080P_60 },
    want: { width: 1920, height: 1080, framerate: 60, videoBitrateKbps: 6000 },
  },
  {
    name: 'PORTRAIT_H264_720P_30 is 720x1280',
    input: { preset: EncodingOptionsPreset.PORTRAIT_H264_720P_30 },
    want: { width: 720, height: 1280 },
  },
  {
    name: 'PORTRAIT_H264_720P_60 is 720x1280 at 60 fps',
    input: { preset: EncodingOptionsPreset.PORTRAIT_H264_720P_60 },
    want: { width: 720, height: 1280, framerate: 60, videoBitrateKbps: 4500 },
  },
  {
    name: 'PORTRAIT_H264_1080P_30 is 1080x1920',
    input: { preset: EncodingOptionsPreset.PORTRAIT_H264_1080P_30 },
    want: { width: 1080, height: 1920, videoBitrateKbps: 4500 },
  },
  {
    name: 'PORTRAIT_H264_1080P_60 is 1080x1920 at 60 fps and 6000 kbps',
    input: { preset: EncodingOptionsPreset.PORTRAIT_H264_1080P_60 },
    want: { width: 1080, height: 1920, framerate: 60, videoBitrateKbps: 6000 },
  },
  {
    name: 'PASSTHROUGH resolves to the defaults',
    input: { preset: EncodingOptionsPreset.PASSTHROUGH },
    want: {},
  },
  {
    name: 'rejects an unknown preset',
    input: { preset: 42 as EncodingOptionsPreset },
    want: { error: 'preset' },
  },
  { name: 'keeps defaults for an all-zero advanced block', input: adv({}), want: {} },
  {
    name: 'treats absent fields of a plain object as defaults',
    input: { advanced: { width: 640, height: 360 } as unknown as EncodingOptions },
    want: { width: 640, height: 360 },
  },
  {
    name: 'rejects a width given as a string',
    input: { advanced: { width: '640' } as unknown as EncodingOptions },
    want: { error: 'advanced.width' },
  },
  {
    name: 'takes every advanced field',
    input: adv({
      width: 640,
      height: 360,
      depth: 16,
      framerate: 25,
      videoBitrate: 1200,
      audioBitrate: 96,
      audioFrequency: 48000,
      audioCodec: AudioCodec.AAC,
      videoCodec: VideoCodec.H264_HIGH,
      keyFrameInterval: 2,
    }),
    want: {
      width: 640,
      height: 360,
      depth: 16,
      framerate: 25,
      videoBitrateKbps: 1200,
      audioBitrateKbps: 96,
      audioFrequencyHz: 48000,
      audioCodec: 'aac',
      h264Profile: 'high',
      keyFrameIntervalSec: 2,
    },
  },
  {
    name: 'AAC defaults to 44100 Hz',
    input: adv({ audioCodec: AudioCodec.AAC }),
    want: { audioCodec: 'aac', audioFrequencyHz: 44100 },
  },
  {
    name: 'MP3 uses the requested frequency',
    input: adv({ audioCodec: AudioCodec.AC_MP3, audioFrequency: 32000 }),
    want: { audioCodec: 'mp3', audioFrequencyHz: 32000 },
  },
  {
    name: 'Opus always runs at 48000 Hz',
    input: adv({ audioCodec: AudioCodec.OPUS, audioFrequency: 44100 }),
    want: { audioFrequencyHz: 48000 },
  },
  {
    name: 'H264_BASELINE selects the baseline profile',
    input: adv({ videoCodec: VideoCodec.H264_BASELINE }),
    want: { h264Profile: 'baseline' },
  },
  {
    name: 'H264_MAIN selects the main profile',
    input: adv({ videoCodec: VideoCodec.H264_MAIN }),
    want: { h264Profile: 'main' },
  },
  {
    name: 'accepts the smallest size, 16x16',
    input: adv({ width: 16, height: 16 }),
    want: { width: 16, height: 16 },
  },
  {
    name: 'accepts the largest size, 4096x4096',
    input: adv({ width: 4096, height: 4096 }),
    want: { width: 4096, height: 4096 },
  },
  {
    name: 'accepts a fractional keyframe interval',
    input: adv({ keyFrameInterval: 0.5 }),
    want: { keyFrameIntervalSec: 0.5 },
  },
  { name: 'rejects an odd width', input: adv({ width: 641 }), want: { error: 'advanced.width' } },
  { name: 'rejects width 15', input: adv({ width: 15 }), want: { error: 'advanced.width' } },
  { name: 'rejects width 14', input: adv({ width: 14 }), want: { error: 'advanced.width' } },
  {
    name: 'rejects a negative width',
    input: adv({ width: -2 }),
    want: { error: 'advanced.width' },
  },
  {
    name: 'rejects a huge width',
    input: adv({ width: 100_000 }),
    want: { error: 'advanced.width' },
  },
  {
    name: 'rejects an odd height',
    input: adv({ height: 721 }),
    want: { error: 'advanced.height' },
  },
  { name: 'rejects height 4098', input: adv({ height: 4098 }), want: { error: 'advanced.height' } },
  { name: 'rejects depth 32', input: adv({ depth: 32 }), want: { error: 'advanced.depth' } },
  { name: 'rejects depth 12', input: adv({ depth: 12 }), want: { error: 'advanced.depth' } },
  {
    name: 'rejects a negative framerate',
    input: adv({ framerate: -30 }),
    want: { error: 'advanced.framerate' },
  },
  {
    name: 'rejects framerate 1000',
    input: adv({ framerate: 1000 }),
    want: { error: 'advanced.framerate' },
  },
  {
    name: 'rejects a negative video bitrate',
    input: adv({ videoBitrate: -1 }),
    want: { error: 'advanced.video_bitrate' },
  },
  {
    name: 'rejects a negative audio bitrate',
    input: adv({ audioBitrate: -128 }),
    want: { error: 'advanced.audio_bitrate' },
  },
  {
    name: 'rejects a 1 Hz audio frequency',
    input: adv({ audioFrequency: 1 }),
    want: { error: 'advanced.audio_frequency' },
  },
  {
    name: 'rejects VP8, which is never encoded',
    input: adv({ videoCodec: VideoCodec.VP8 }),
    want: { error: 'advanced.video_codec' },
  },
  {
    name: 'rejects an unknown audio codec',
    input: adv({ audioCodec: 9 as AudioCodec }),
    want: { error: 'advanced.audio_codec' },
  },
  {
    name: 'rejects a negative keyframe interval',
    input: adv({ keyFrameInterval: -1 }),
    want: { error: 'advanced.key_frame_interval' },
  },
  {
    name: 'rejects a NaN keyframe interval',
    input: adv({ keyFrameInterval: Number.NaN }),
    want: { error: 'advanced.key_frame_interval' },
  },
];

describe('resolveEncoding', () => {
  for (const c of cases) {
    it(c.name, () => {
      if ('error' in c.want) {
        const field = c.want.error;
        assert.throws(
          () => resolveEncoding(c.input),
          (err: unknown) =>
            err instanceof EgressError &&
            err.code === 'invalid_argument' &&
            err.details?.field === field &&
            err.message.startsWith(`request has missing or invalid field: ${field} (`),
        );
        return;
      }
      assert.deepEqual(resolveEncoding(c.input), { ...DEFAULT_ENCODING, ...c.want });
    });
  }
});
