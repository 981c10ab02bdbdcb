import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ENCODING, EgressError, type EncodingSettings } from '@egress/protocol';
import {
  type CompositeOutputPlan,
  type PipelineSources,
  type PlanCompositePipelineOptions,
  planCompositePipeline,
} from './pipeline-plan.js';

const enc: EncodingSettings = { ...DEFAULT_ENCODING, audioCodec: 'aac', audioFrequencyHz: 44100 };
const av: PipelineSources = {
  video: { kind: 'x11', display: ':99', width: 1280, height: 720 },
  audio: { kind: 'pulse', device: 'egress.monitor' },
};
const mp4 = { fileType: 'mp4' as const, localPath: '/rec/my room é.mp4' };
const hls = {
  localDir: '/rec/hls',
  segmentPattern: 'seg_%05d.ts',
  playlistName: 'pl.m3u8',
  segmentDurationSec: 2,
};
const image = { localDir: '/rec/img', imagePattern: 'img_%05d.jpeg', captureIntervalSec: 5 };

function count(args: string[], factory: string): number {
  return args.filter((a) => a === factory).length;
}

describe('planCompositePipeline', () => {
  const cases: Array<{
    name: string;
    input: {
      outputs: Omit<CompositeOutputPlan, 'encoding'>;
      encoding?: Partial<EncodingSettings>;
      sources?: PipelineSources;
      options?: Pick<PlanCompositePipelineOptions, 'speedPreset' | 'x264Threads'>;
    };
    want: { includes?: string[]; excludes?: string[]; encoders?: number; leakyQueues?: number };
  }> = [
    {
      name: 'captures X11 and PulseAudio into a fragmented MP4',
      input: { outputs: { file: mp4 } },
      want: {
        includes: [
          'ximagesrc',
          'display-name=:99',
          'use-damage=false',
          'pulsesrc',
          'device=egress.monitor',
          'avenc_aac',
          'aacparse',
          'mp4mux',
          'fragment-duration=1000',
          'location=/rec/my room é.mp4',
          'speed-preset=veryfast',
          'tune=zerolatency',
          'bitrate=3000',
          'key-int-max=30',
          'option-string=scenecut=0',
          'video/x-h264,profile=main',
        ],
        encoders: 1,
        leakyQueues: 0,
      },
    },
    {
      name: 'uses live test sources for tests',
      input: {
        outputs: { file: mp4 },
        sources: { video: { kind: 'test' }, audio: { kind: 'test' } },
      },
      want: {
        includes: ['videotestsrc', 'is-live=true', 'audiotestsrc', 'wave=sine'],
        leakyQueues: 0,
      },
    },
    {
      name: 'reads raw I420 and S16LE on two pipes of the child',
      input: {
        outputs: { file: mp4 },
        sources: {
          video: { kind: 'fd', fd: 0, width: 640, height: 360 },
          audio: { kind: 'fd', fd: 3 },
        },
      },
      want: {
        includes: [
          'fd=0',
          // one read per 640x360 I420 frame
          'blocksize=345600',
          'rawvideoparse',
          'use-sink-caps=false',
          'format=i420',
          'width=640',
          'height=360',
          'framerate=30/1',
          'videoscale',
          'video/x-raw,format=I420,width=1280,height=720,framerate=30/1,pixel-aspect-ratio=1/1',
          'fd=3',
          'rawaudioparse',
          'pcm-format=s16le',
          'sample-rate=48000',
          'num-channels=2',
          'audio/x-raw,rate=44100,channels=2',
        ],
        excludes: ['ximagesrc', 'pulsesrc'],
        encoders: 1,
      },
    },
    {
      name: 'never drops data of pipes, even for several outputs',
      input: {
        outputs: { file: mp4, segments: hls, images: [image] },
        sources: {
          video: { kind: 'fd', fd: 0, width: 640, height: 360 },
          audio: { kind: 'fd', fd: 3 },
        },
      },
      want: { excludes: ['leaky=downstream'], encoders: 1 },
    },
    {
      name: 'writes vp8 in real-time mode into webm',
      input: {
        outputs: { file: { fileType: 'webm', localPath: '/rec/t.webm' } },
        encoding: { videoCodec: 'vp8', framerate: 25 },
        sources: { video: { kind: 'fd', fd: 0, width: 1280, height: 720 } },
      },
      want: {
        includes: [
          'vp8enc',
          'deadline=1',
          'cpu-used=16',
          'target-bitrate=3000000',
          'keyframe-max-dist=25',
          'webmmux',
          'location=/rec/t.webm',
        ],
        excludes: ['h264parse', 'rawaudioparse'],
        encoders: 0,
      },
    },
    {
      name: 'runs x264 at the speed and threads asked for',
      input: { outputs: { file: mp4 }, options: { speedPreset: 'ultrafast', x264Threads: 1 } },
      want: { includes: ['speed-preset=ultrafast', 'threads=1'], encoders: 1 },
    },
    {
      name: 'leaves x264 its own threads by default',
      input: { outputs: { file: mp4 } },
      want: { excludes: ['threads=1'], encoders: 1 },
    },
    {
      name: 'switches x264 to ultrafast at 1080p30',
      input: { outputs: { file: mp4 }, encoding: { width: 1920, height: 1080 } },
      want: { includes: ['speed-preset=ultrafast'] },
    },
    {
      name: 'sets key-int-max from the keyframe interval and frame rate',
      input: { outputs: { file: mp4 }, encoding: { framerate: 25, keyFrameIntervalSec: 4 } },
      want: { includes: ['key-int-max=100'] },
    },
    {
      name: 'uses a 2 s GOP for a stream alone when no interval is given',
      input: { outputs: { stream: { protocol: 'rtmp', port: 5000 } } },
      want: {
        includes: [
          'key-int-max=60',
          'mpegtsmux',
          'config-interval=-1',
          'sync-method=latest-keyframe',
          'port=5000',
          'host=127.0.0.1',
        ],
        // GDP or TS alignment would hide the keyframe flags from the server
        excludes: ['flvmux', 'gdppay', 'alignment=7'],
      },
    },
    {
      name: 'serves an audio-only stream from the latest buffer (no keyframes to wait for)',
      input: {
        outputs: { stream: { protocol: 'rtmp', port: 5000 } },
        sources: { audio: { kind: 'test' } },
      },
      want: { includes: ['sync-method=latest'], excludes: ['sync-method=latest-keyframe'] },
    },
    {
      name: 'writes ogg with opus and no video encoder',
      input: {
        outputs: { file: { fileType: 'ogg', localPath: '/rec/a.ogg' } },
        encoding: { audioCodec: 'opus', audioFrequencyHz: 48000 },
      },
      want: {
        includes: ['oggmux', 'opusenc', 'bitrate=128000', 'audio/x-raw,rate=48000,channels=2'],
        excludes: ['x264enc', 'ximagesrc'],
        encoders: 0,
      },
    },
    {
      name: 'writes mp3 through lame and xingmux',
      input: {
        outputs: { file: { fileType: 'mp3', localPath: '/rec/a.mp3' } },
        encoding: { audioCodec: 'mp3' },
      },
      want: {
        includes: ['lamemp3enc', 'cbr=true', 'bitrate=128', 'xingmux'],
        excludes: ['x264enc'],
      },
    },
    {
      name: 'honours the HLS segment duration with hlssink2',
      input: { outputs: { segments: hls } },
      want: {
        includes: [
          'hlssink2',
          'target-duration=2',
          'max-files=0',
          'playlist-length=0',
          'location=/rec/hls/seg_%05d.ts',
          'playlist-location=/rec/hls/pl.m3u8',
          'hls.video',
          'hls.audio',
        ],
      },
    },
    {
      name: 'escapes % in a folder of a printf location',
      input: { outputs: { images: [{ ...image, localDir: '/rec/100%/' }] } },
      want: { includes: ['location=/rec/100%%/img_%05d.jpeg'], encoders: 0 },
    },
    {
      name: 'takes JPEG images at the interval without encoding H.264',
      input: { outputs: { images: [image] } },
      want: {
        includes: ['video/x-raw,framerate=1/5,width=1280,height=720', 'jpegenc', 'multifilesink'],
        excludes: ['pulsesrc'],
        encoders: 0,
      },
    },
    {
      name: 'encodes once for file, HLS, images and stream together',
      input: {
        outputs: {
          file: mp4,
          segments: hls,
          images: [image],
          stream: { protocol: 'srt', port: 5001 },
        },
      },
      want: { includes: ['mpegtsmux', 'tee'], encoders: 1, leakyQueues: 8 },
    },
    {
      name: 'doubles a backslash in a path',
      input: { outputs: { file: { fileType: 'mp4', localPath: '/rec/a\\b.mp4' } } },
      want: { includes: ['location=/rec/a\\\\b.mp4'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { args } = planCompositePipeline({
        outputs: { encoding: { ...enc, ...c.input.encoding }, ...c.input.outputs },
        sources: c.input.sources ?? av,
        ...c.input.options,
      });
      for (const a of c.want.includes ?? [])
        assert.ok(args.includes(a), `missing ${a} in ${args.join(' ')}`);
      for (const a of c.want.excludes ?? []) assert.ok(!args.includes(a), `unexpected ${a}`);
      if (c.want.encoders !== undefined) assert.equal(count(args, 'x264enc'), c.want.encoders);
      if (c.want.leakyQueues !== undefined) {
        assert.equal(
          count(args, 'leaky=downstream') - count(args, 'ximagesrc'),
          c.want.leakyQueues,
        );
      }
      assert.ok(!args.some((a) => a.includes('"')), 'no quoting in arguments');
    });
  }

  const invalid: Array<{
    name: string;
    input: {
      outputs: Omit<CompositeOutputPlan, 'encoding'>;
      encoding?: Partial<EncodingSettings>;
      sources?: PipelineSources;
    };
    want: RegExp;
  }> = [
    { name: 'rejects a plan without outputs', input: { outputs: {} }, want: /no output/ },
    {
      name: 'rejects opus audio in an HLS output',
      input: { outputs: { segments: hls }, encoding: { audioCodec: 'opus' } },
      want: /hls output cannot carry opus/,
    },
    {
      name: 'rejects mp3 audio in an RTMP stream, as Go does',
      input: {
        outputs: { stream: { protocol: 'rtmp', port: 5000 } },
        encoding: { audioCodec: 'mp3' },
      },
      want: /rtmp output cannot carry mp3 audio; use aac$/,
    },
    {
      name: 'rejects opus audio in an SRT stream, as Go does',
      input: {
        outputs: { stream: { protocol: 'srt', port: 5001 } },
        encoding: { audioCodec: 'opus' },
      },
      want: /srt output cannot carry opus audio; use aac$/,
    },
    {
      name: 'rejects an ogg file without an audio source',
      input: {
        outputs: { file: { fileType: 'ogg', localPath: '/a.ogg' } },
        sources: { video: { kind: 'test' } },
      },
      want: /needs an audio source/,
    },
    {
      name: 'rejects images without a video source',
      input: { outputs: { images: [image] }, sources: { audio: { kind: 'test' } } },
      want: /need a video source/,
    },
    {
      name: 'rejects video and audio on one fd',
      input: {
        outputs: { file: mp4 },
        sources: {
          video: { kind: 'fd', fd: 3, width: 640, height: 360 },
          audio: { kind: 'fd', fd: 3 },
        },
      },
      want: /cannot share one source fd/,
    },
    {
      name: 'rejects a negative fd',
      input: { outputs: { file: mp4 }, sources: { audio: { kind: 'fd', fd: -1 } } },
      want: /non-negative integer/,
    },
    {
      name: 'rejects a webm file',
      input: { outputs: { file: { fileType: 'webm', localPath: '/a.webm' } } },
      want: /use mp4, ogg or mp3/,
    },
    {
      name: 'rejects vp8 for HLS',
      input: {
        outputs: { file: { fileType: 'webm', localPath: '/a.webm' }, segments: hls },
        encoding: { videoCodec: 'vp8', audioCodec: 'opus' },
      },
      want: /vp8 video goes only to a webm file/,
    },
    {
      name: 'rejects a path with a control character',
      input: { outputs: { file: { fileType: 'mp4', localPath: '/a\tb.mp4' } } },
      want: /control characters/,
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      assert.throws(
        () =>
          planCompositePipeline({
            outputs: { encoding: { ...enc, ...c.input.encoding }, ...c.input.outputs },
            sources: c.input.sources ?? av,
          }),
        (err) =>
          err instanceof EgressError && err.code === 'invalid_argument' && c.want.test(err.message),
      );
    });
  }
});
