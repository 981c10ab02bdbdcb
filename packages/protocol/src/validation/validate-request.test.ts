import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AudioCodec,
  AudioConfig,
  AudioRoute,
  DirectFileOutput,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  EncodingOptionsPreset,
  FileOutput,
  type ImageCodec,
  ImageFileSuffix,
  ImageOutput,
  MediaSource,
  Output,
  ParticipantEgressRequest,
  ParticipantVideo,
  RoomCompositeEgressRequest,
  S3Upload,
  SegmentedFileOutput,
  SegmentedFileSuffix,
  StartEgressRequest,
  StorageConfig,
  StreamOutput,
  StreamProtocol,
  TemplateSource,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
  WebEgressRequest,
  WebSource,
} from '@livekit/protocol';
import { EgressError } from '../errors.js';
import type { EgressRequest } from '../request-types.js';
import { type ValidateRequestOptions, validateRequest } from './validate-request.js';

type Init<T extends abstract new (...args: never[]) => unknown> = ConstructorParameters<T>[0];

const room = (init: Init<typeof RoomCompositeEgressRequest>): EgressRequest => ({
  case: 'roomComposite',
  value: new RoomCompositeEgressRequest({ roomName: 'my-room', ...init }),
});
const web = (init: Init<typeof WebEgressRequest>): EgressRequest => ({
  case: 'web',
  value: new WebEgressRequest({ url: 'https://example.com/page', ...init }),
});
const participant = (init: Init<typeof ParticipantEgressRequest>): EgressRequest => ({
  case: 'participant',
  value: new ParticipantEgressRequest({ roomName: 'my-room', identity: 'alice', ...init }),
});
const trackComposite = (init: Init<typeof TrackCompositeEgressRequest>): EgressRequest => ({
  case: 'trackComposite',
  value: new TrackCompositeEgressRequest({ roomName: 'my-room', ...init }),
});
const track = (init: Init<typeof TrackEgressRequest>): EgressRequest => ({
  case: 'track',
  value: new TrackEgressRequest({ roomName: 'my-room', trackId: 'TR_a', ...init }),
});
const v2 = (init: Init<typeof StartEgressRequest>): EgressRequest => ({
  case: 'egress',
  value: new StartEgressRequest({ roomName: 'my-room', ...init }),
});

const mp4 = (filepath = 'rec/{room_name}.mp4') =>
  new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath });
const file = (init: Init<typeof EncodedFileOutput> = {}) => new EncodedFileOutput(init);
const rtmp = (...urls: string[]) => new StreamOutput({ protocol: StreamProtocol.RTMP, urls });
const segs = (init: Init<typeof SegmentedFileOutput> = {}) => new SegmentedFileOutput(init);
const image = (init: Init<typeof ImageOutput> = {}) => new ImageOutput(init);
const advanced = (init: Init<typeof EncodingOptions>) => ({
  case: 'advanced' as const,
  value: new EncodingOptions(init),
});
const out = (config: Output['config'], storage?: StorageConfig) => new Output({ config, storage });
const template = (init: Init<typeof TemplateSource> = {}) => ({
  case: 'template' as const,
  value: new TemplateSource(init),
});
const media = (init: Init<typeof MediaSource>) => ({
  case: 'media' as const,
  value: new MediaSource(init),
});
const audioRoutes = (...trackIds: string[]) =>
  new AudioConfig({
    routes: trackIds.map((id) => new AudioRoute({ match: { case: 'trackId', value: id } })),
  });
const s3 = (bucket: string) =>
  new StorageConfig({ provider: { case: 's3', value: new S3Upload({ bucket, secret: 'x' }) } });

interface Case {
  name: string;
  input: EgressRequest;
  options?: ValidateRequestOptions;
  /** A subset of the result (objects compared by their listed keys), or the error expected. */
  want: Record<string, unknown> | { error: { code: string; includes: string } };
}

const invalid = (includes: string) => ({ error: { code: 'invalid_argument', includes } });

const cases: Case[] = [
  // Room composite.
  {
    name: 'plans a room composite to an mp4 file with AAC and H.264',
    input: room({ fileOutputs: [mp4()] }),
    want: {
      apiVersion: 1,
      requestType: 'room-composite',
      sourceKind: 'web',
      roomName: 'my-room',
      hasAudio: true,
      hasVideo: true,
      file: { fileType: 'mp4', filepath: 'rec/{room_name}.mp4', disableManifest: false },
      encoding: { audioCodec: 'aac', videoCodec: 'h264', audioFrequencyHz: 44100, width: 1280 },
      images: [],
    },
  },
  {
    name: 'gives an audio-only DEFAULT file ogg with Opus at 48 kHz',
    input: room({ audioOnly: true, fileOutputs: [file()] }),
    want: {
      sourceKind: 'sdk',
      hasVideo: false,
      file: { fileType: 'ogg' },
      encoding: { audioCodec: 'opus', audioFrequencyHz: 48000 },
    },
  },
  {
    name: 'keeps a web source for audio-only with a layout',
    input: room({ audioOnly: true, layout: 'speaker', fileOutputs: [file()] }),
    want: { sourceKind: 'web', source: { kind: 'template', layout: 'speaker' } },
  },
  {
    name: 'gives an audio+video DEFAULT file mp4',
    input: room({ fileOutputs: [file()] }),
    want: { file: { fileType: 'mp4' }, encoding: { audioCodec: 'aac' } },
  },
  {
    name: 'gives an audio-only DEFAULT file mp4 when AAC is requested',
    input: room({
      audioOnly: true,
      fileOutputs: [file()],
      options: advanced({ audioCodec: AudioCodec.AAC }),
    }),
    want: { file: { fileType: 'mp4' }, encoding: { audioCodec: 'aac' } },
  },
  {
    name: 'gives an audio-only DEFAULT file mp3 when MP3 is requested',
    input: room({
      audioOnly: true,
      fileOutputs: [file()],
      options: advanced({ audioCodec: AudioCodec.AC_MP3 }),
    }),
    want: { file: { fileType: 'mp3' }, encoding: { audioCodec: 'mp3', audioFrequencyHz: 44100 } },
  },
  {
    name: 'maps the deprecated file field like file_outputs',
    input: room({ output: { case: 'file', value: mp4('old.mp4') } }),
    want: { file: { fileType: 'mp4', filepath: 'old.mp4' } },
  },
  {
    name: 'maps the deprecated stream field like stream_outputs',
    input: room({ output: { case: 'stream', value: rtmp('rtmp://h/app/streamkey') } }),
    want: { stream: { protocol: 'rtmp' }, encoding: { keyFrameIntervalSec: 4 } },
  },
  {
    name: 'maps the deprecated segments field like segment_outputs',
    input: room({ output: { case: 'segments', value: segs({ filenamePrefix: 'hls/part' }) } }),
    want: { segments: { filenamePrefix: 'hls/part', segmentDurationSec: 4 } },
  },
  {
    name: 'applies a preset',
    input: room({
      fileOutputs: [mp4()],
      options: { case: 'preset', value: EncodingOptionsPreset.H264_1080P_60 },
    }),
    want: { encoding: { width: 1920, height: 1080, framerate: 60, videoBitrateKbps: 6000 } },
  },
  {
    name: 'carries the per-output upload block',
    input: room({
      fileOutputs: [
        new EncodedFileOutput({
          filepath: 'a.mp4',
          output: { case: 's3', value: new S3Upload({ bucket: 'b' }) },
        }),
      ],
    }),
    want: { file: { upload: { case: 's3' } } },
  },
  {
    name: 'rejects a room composite without room_name',
    input: room({ roomName: '', fileOutputs: [mp4()] }),
    want: invalid('room_name'),
  },
  {
    name: 'rejects audio_only with video_only',
    input: room({ audioOnly: true, videoOnly: true, fileOutputs: [mp4()] }),
    want: invalid('audio_only and video_only'),
  },
  {
    name: 'rejects a custom_base_url that is not http',
    input: room({ customBaseUrl: 'ftp://templates', fileOutputs: [mp4()] }),
    want: invalid('custom_base_url'),
  },
  {
    name: 'rejects the PASSTHROUGH preset on a v1 request',
    input: room({
      fileOutputs: [mp4()],
      options: { case: 'preset', value: EncodingOptionsPreset.PASSTHROUGH },
    }),
    want: invalid('preset'),
  },
  {
    name: 'rejects an odd advanced width',
    input: room({ fileOutputs: [mp4()], options: advanced({ width: 1279 }) }),
    want: invalid('advanced.width'),
  },
  {
    name: 'rejects a request without outputs',
    input: room({}),
    want: invalid('request has missing or invalid field: output'),
  },
  {
    name: 'rejects two file outputs',
    input: room({ fileOutputs: [mp4(), mp4()] }),
    want: invalid('file_outputs'),
  },
  {
    name: 'rejects two stream outputs',
    input: room({ streamOutputs: [rtmp('rtmp://h/app/k1'), rtmp('rtmp://h/app/k2')] }),
    want: invalid('stream_outputs'),
  },
  {
    name: 'rejects two segment outputs',
    input: room({ segmentOutputs: [segs(), segs()] }),
    want: invalid('segment_outputs'),
  },
  {
    name: 'rejects an OGG file with video and names the video codec',
    input: room({ fileOutputs: [file({ fileType: EncodedFileType.OGG })] }),
    want: invalid('format ogg incompatible with codec h264'),
  },
  {
    name: 'rejects an MP3 file with video',
    input: room({ fileOutputs: [file({ fileType: EncodedFileType.MP3 })] }),
    want: invalid('format mp3 incompatible with codec h264'),
  },
  {
    name: 'rejects an OGG file beside an RTMP stream (AAC is forced)',
    input: room({
      audioOnly: true,
      fileOutputs: [file({ fileType: EncodedFileType.OGG })],
      streamOutputs: [rtmp('rtmp://h/app/key')],
    }),
    want: invalid('format ogg incompatible with codec aac'),
  },
  {
    name: 'rejects requested Opus with HLS segments',
    input: room({ segmentOutputs: [segs()], options: advanced({ audioCodec: AudioCodec.OPUS }) }),
    want: invalid('format hls incompatible with codec opus'),
  },
  {
    name: 'rejects MP3 audio with video into a DEFAULT file',
    input: room({ fileOutputs: [file()], options: advanced({ audioCodec: AudioCodec.AC_MP3 }) }),
    want: invalid('no supported file output type'),
  },
  {
    name: 'rejects an unknown file_type',
    input: room({ fileOutputs: [file({ fileType: 7 as EncodedFileType })] }),
    want: invalid('file_type'),
  },
  // Streams.
  {
    name: 'plans an RTMP stream with a 4 s keyframe interval and forced AAC',
    input: room({ streamOutputs: [rtmp('rtmp://h/app/streamkey', 'mux://muxkey1234')] }),
    want: {
      stream: {
        protocol: 'rtmp',
        urls: [
          { protocol: 'rtmp', url: 'rtmp://h/app/streamkey', redacted: 'rtmp://h/app/{str...key}' },
          {
            protocol: 'rtmp',
            url: 'rtmps://global-live.mux.com:443/app/muxkey1234',
            redacted: 'rtmps://global-live.mux.com:443/app/{mux...234}',
          },
        ],
      },
      encoding: { audioCodec: 'aac', keyFrameIntervalSec: 4 },
    },
  },
  {
    name: 'forces AAC on a stream even when Opus is requested, as Go does',
    input: room({
      streamOutputs: [rtmp('rtmp://h/app/key')],
      options: advanced({ audioCodec: AudioCodec.OPUS }),
    }),
    want: { encoding: { audioCodec: 'aac' } },
  },
  {
    name: 'picks the stream protocol from the first url',
    input: room({ streamOutputs: [new StreamOutput({ urls: ['srt://h:9000?streamid=x'] })] }),
    want: { stream: { protocol: 'srt' } },
  },
  {
    name: 'keeps a requested keyframe interval for a stream',
    input: room({
      streamOutputs: [rtmp('rtmp://h/app/key')],
      options: advanced({ keyFrameInterval: 2 }),
    }),
    want: { encoding: { keyFrameIntervalSec: 2 } },
  },
  {
    name: 'merges a repeated stream url',
    input: room({ streamOutputs: [rtmp('rtmp://h/app/key', 'rtmp://h/app/key')] }),
    want: {
      stream: {
        urls: [{ protocol: 'rtmp', url: 'rtmp://h/app/key', redacted: 'rtmp://h/app/{k...y}' }],
      },
    },
  },
  {
    name: 'allows a stream without urls beside a file',
    input: room({ fileOutputs: [mp4()], streamOutputs: [rtmp()] }),
    want: { stream: { protocol: 'rtmp', urls: [] }, encoding: { keyFrameIntervalSec: 4 } },
  },
  {
    name: 'rejects a stream without urls on its own',
    input: room({ streamOutputs: [rtmp()] }),
    want: invalid('stream.urls'),
  },
  {
    name: 'rejects a DEFAULT-protocol stream without urls',
    input: room({ fileOutputs: [mp4()], streamOutputs: [new StreamOutput({})] }),
    want: invalid('stream.protocol'),
  },
  {
    name: 'rejects a websocket stream url on a v1 request',
    input: room({ audioOnly: true, streamOutputs: [new StreamOutput({ urls: ['wss://h/x'] })] }),
    want: invalid('websocket'),
  },
  {
    name: 'rejects an srt url on an RTMP stream',
    input: room({ streamOutputs: [rtmp('srt://h:9000')] }),
    want: invalid('invalid scheme'),
  },
  {
    name: 'rejects an rtmp url without a key and never shows the key of the others',
    input: room({ streamOutputs: [rtmp('rtmp://h/app/secretkey1', 'rtmp://h/app/')] }),
    want: invalid('missing stream key'),
  },
  // Segments.
  {
    name: 'forces keyframe interval 0 with segments',
    input: room({
      segmentOutputs: [segs({ segmentDuration: 6 })],
      options: advanced({ keyFrameInterval: 2 }),
    }),
    want: {
      segments: { segmentDurationSec: 6, protocol: 'hls' },
      encoding: { keyFrameIntervalSec: 0 },
    },
  },
  {
    name: 'shortens segments to the keyframe interval beside a stream',
    input: room({
      segmentOutputs: [segs({ segmentDuration: 6 })],
      streamOutputs: [rtmp('rtmp://h/app/key')],
      options: advanced({ keyFrameInterval: 2 }),
    }),
    want: { segments: { segmentDurationSec: 2 }, encoding: { keyFrameIntervalSec: 0 } },
  },
  {
    name: 'keeps segments at least 1 s for a sub-second keyframe interval',
    input: room({
      segmentOutputs: [segs()],
      streamOutputs: [rtmp('rtmp://h/app/key')],
      options: advanced({ keyFrameInterval: 0.5 }),
    }),
    want: { segments: { segmentDurationSec: 1 } },
  },
  {
    name: 'keeps the TIMESTAMP suffix and live playlist',
    input: room({
      segmentOutputs: [
        segs({
          playlistName: 'hls/index.m3u8',
          livePlaylistName: 'hls/live.m3u8',
          filenameSuffix: SegmentedFileSuffix.TIMESTAMP,
        }),
      ],
    }),
    want: {
      segments: {
        livePlaylistName: 'hls/live.m3u8',
        filenameSuffix: SegmentedFileSuffix.TIMESTAMP,
      },
    },
  },
  {
    name: 'rejects a live playlist in another directory',
    input: room({
      segmentOutputs: [segs({ playlistName: 'a/index.m3u8', livePlaylistName: 'b/live.m3u8' })],
    }),
    want: invalid('live_playlist_name must be in same directory as playlist_name'),
  },
  {
    name: 'rejects a live playlist named like the playlist',
    input: room({
      segmentOutputs: [segs({ playlistName: 'a/index.m3u8', livePlaylistName: 'a/index' })],
    }),
    want: invalid('live_playlist_name cannot be identical to playlist_name'),
  },
  {
    name: 'rejects a live playlist named like the prefix when the playlist is unset',
    input: room({
      segmentOutputs: [segs({ filenamePrefix: 'part', livePlaylistName: 'part.m3u8' })],
    }),
    want: invalid('cannot be identical'),
  },
  {
    name: 'rejects an unknown segment suffix',
    input: room({ segmentOutputs: [segs({ filenameSuffix: 5 as SegmentedFileSuffix })] }),
    want: invalid('filename_suffix'),
  },
  // Images.
  {
    name: 'makes an image-only egress video only with defaults from the encoding',
    input: room({ imageOutputs: [image({ filenamePrefix: 'snap' })] }),
    want: {
      hasAudio: false,
      hasVideo: true,
      images: [
        {
          captureIntervalSec: 10,
          width: 1280,
          height: 720,
          filenamePrefix: 'snap',
          filenameSuffix: ImageFileSuffix.IMAGE_SUFFIX_INDEX,
          imageCodec: 'jpeg',
          disableManifest: false,
        },
      ],
    },
  },
  {
    name: 'accepts several image outputs beside a file and keeps audio',
    input: room({
      fileOutputs: [mp4()],
      imageOutputs: [image({ captureInterval: 5 }), image({ width: 320, height: 240 })],
    }),
    want: { hasAudio: true, images: [{ captureIntervalSec: 5 }, { width: 320, height: 240 }] },
  },
  {
    name: 'rejects images on an audio-only request',
    input: room({ audioOnly: true, imageOutputs: [image()] }),
    want: invalid('image outputs need video'),
  },
  {
    name: 'rejects a non-JPEG image codec',
    input: room({ imageOutputs: [image({ imageCodec: 2 as ImageCodec })] }),
    want: invalid('image_codec'),
  },
  {
    name: 'rejects an unknown image suffix',
    input: room({ imageOutputs: [image({ filenameSuffix: 9 as ImageFileSuffix })] }),
    want: invalid('filename_suffix'),
  },
  {
    name: 'rejects a negative image width',
    input: room({ imageOutputs: [image({ width: -2 })] }),
    want: invalid('image_outputs[0].width'),
  },
  // Retries.
  {
    name: 'rejects an explicit filepath without {retry} on a retry',
    input: room({ fileOutputs: [mp4('rec/out.mp4')] }),
    options: { retryCount: 1 },
    want: { error: { code: 'failed_precondition', includes: 'does not support retry' } },
  },
  {
    name: 'accepts a directory filepath on a retry',
    input: room({ fileOutputs: [mp4('rec/')] }),
    options: { retryCount: 2 },
    want: { file: { filepath: 'rec/' } },
  },
  {
    name: 'rejects a segment prefix without {retry} on a retry',
    input: room({ segmentOutputs: [segs({ filenamePrefix: 'hls/part' })] }),
    options: { retryCount: 1 },
    want: { error: { code: 'failed_precondition', includes: 'does not support retry' } },
  },
  // Web.
  {
    name: 'plans a web egress without a room',
    input: web({ awaitStartSignal: true, fileOutputs: [mp4()] }),
    want: {
      requestType: 'web',
      sourceKind: 'web',
      roomName: '',
      source: { kind: 'web', url: 'https://example.com/page', awaitStartSignal: true },
    },
  },
  {
    name: 'rejects a web egress without url',
    input: web({ url: '', fileOutputs: [mp4()] }),
    want: invalid('url'),
  },
  {
    name: 'rejects a javascript: web url',
    input: web({ url: 'javascript:alert(1)', fileOutputs: [mp4()] }),
    want: invalid('http:// or https://'),
  },
  {
    name: 'rejects a video-only web egress into an OGG file',
    input: web({ videoOnly: true, fileOutputs: [file({ fileType: EncodedFileType.OGG })] }),
    want: invalid('format ogg incompatible with codec h264'),
  },
  // Participant.
  {
    name: 'plans a participant egress',
    input: participant({ screenShare: true, segmentOutputs: [segs()] }),
    want: {
      requestType: 'participant',
      sourceKind: 'sdk',
      source: { kind: 'participant', identity: 'alice', screenShare: true },
      images: [],
    },
  },
  {
    name: 'rejects a participant egress without identity',
    input: participant({ identity: '', fileOutputs: [mp4()] }),
    want: invalid('identity'),
  },
  {
    name: 'leaves SDK image sizes at 0 for the track size',
    input: participant({ imageOutputs: [image()] }),
    want: { images: [{ width: 0, height: 0 }] },
  },
  // Track composite.
  {
    name: 'plans an audio-only track composite to ogg',
    input: trackComposite({ audioTrackId: 'TR_audio', fileOutputs: [file()] }),
    want: {
      requestType: 'track-composite',
      hasAudio: true,
      hasVideo: false,
      source: { kind: 'track-composite', audioTrackId: 'TR_audio' },
      file: { fileType: 'ogg' },
    },
  },
  {
    name: 'drops the audio track of an image-only track composite',
    input: trackComposite({ audioTrackId: 'TR_a', videoTrackId: 'TR_v', imageOutputs: [image()] }),
    want: { hasAudio: false, source: { kind: 'track-composite', videoTrackId: 'TR_v' } },
  },
  {
    name: 'rejects a track composite without track ids',
    input: trackComposite({ fileOutputs: [mp4()] }),
    want: invalid('audio_track_id or video_track_id'),
  },
  // Track.
  {
    name: 'plans a track egress to a file whose type waits for the codec',
    input: track({
      output: { case: 'file', value: new DirectFileOutput({ filepath: 'tracks/' }) },
    }),
    want: {
      requestType: 'track',
      isPassthrough: true,
      source: { kind: 'track', trackId: 'TR_a' },
      file: { filepath: 'tracks/' },
    },
  },
  {
    name: 'plans a track egress to a websocket as PCM',
    input: track({ output: { case: 'websocketUrl', value: 'wss://h/ws?token=abc' } }),
    want: {
      websocket: { url: 'wss://h/ws?token=abc', redacted: 'wss://h/ws?token={...}' },
      encoding: { audioCodec: 'pcm', audioFrequencyHz: 48000 },
    },
  },
  {
    name: 'rejects a track egress without track_id',
    input: track({ trackId: '', output: { case: 'websocketUrl', value: 'wss://h/x' } }),
    want: invalid('track_id'),
  },
  { name: 'rejects a track egress without output', input: track({}), want: invalid('output') },
  {
    name: 'rejects an rtmp url as a track websocket',
    input: track({ output: { case: 'websocketUrl', value: 'rtmp://h/app/key' } }),
    want: invalid('invalid scheme'),
  },
  // v2.
  {
    name: 'plans a v2 template with per-output and request storage',
    input: v2({
      source: template({ layout: 'grid' }),
      outputs: [
        out({ case: 'file', value: new FileOutput({ filepath: 'a.mp4' }) }, s3('per-output')),
      ],
      storage: s3('request'),
    }),
    want: {
      apiVersion: 2,
      requestType: 'room-composite',
      sourceKind: 'web',
      file: { fileType: 'mp4', upload: { case: 's3' } },
      requestUpload: { case: 's3' },
    },
  },
  {
    name: 'plans a v2 web source',
    input: v2({
      roomName: '',
      source: {
        case: 'web',
        value: new WebSource({ url: 'http://localhost:8080/', videoOnly: true }),
      },
      outputs: [out({ case: 'segments', value: segs() })],
    }),
    want: {
      requestType: 'web',
      hasAudio: false,
      hasVideo: true,
      segments: { segmentDurationSec: 4 },
    },
  },
  {
    name: 'plans a v2 media source with a track and audio routes',
    input: v2({
      source: media({
        video: { case: 'videoTrackId', value: 'TR_v' },
        audio: audioRoutes('TR_a1', 'TR_a2'),
      }),
      outputs: [out({ case: 'file', value: new FileOutput({}) })],
    }),
    want: {
      requestType: 'track-composite',
      sourceKind: 'sdk',
      hasAudio: true,
      hasVideo: true,
      file: { fileType: 'mp4' },
    },
  },
  {
    name: 'maps a v2 participant video source to participant',
    input: v2({
      source: media({
        video: { case: 'participantVideo', value: new ParticipantVideo({ identity: 'bob' }) },
      }),
      outputs: [out({ case: 'file', value: new FileOutput({}) })],
    }),
    want: {
      requestType: 'participant',
      hasAudio: false,
      source: { kind: 'media', video: { identity: 'bob', preferScreenShare: false } },
    },
  },
  {
    name: 'turns a v2 audio+video websocket output audio only',
    input: v2({
      source: template({}),
      outputs: [out({ case: 'stream', value: new StreamOutput({ urls: ['wss://h/ws'] }) })],
    }),
    want: {
      hasAudio: true,
      hasVideo: false,
      websocket: { url: 'wss://h/ws' },
      encoding: { audioCodec: 'pcm' },
    },
  },
  {
    name: 'rejects a v2 websocket output of a video-only source',
    input: v2({
      source: media({ video: { case: 'videoTrackId', value: 'TR_v' } }),
      outputs: [
        out({
          case: 'stream',
          value: new StreamOutput({ protocol: StreamProtocol.WEBSOCKET, urls: ['wss://h/ws'] }),
        }),
      ],
    }),
    want: invalid('audio only'),
  },
  {
    name: 'rejects a v2 websocket output beside a file',
    input: v2({
      source: template({ audioOnly: true }),
      outputs: [
        out({ case: 'file', value: new FileOutput({}) }),
        out({ case: 'stream', value: new StreamOutput({ urls: ['ws://h/ws'] }) }),
      ],
    }),
    want: invalid('cannot be combined'),
  },
  {
    name: 'rejects two v2 websocket urls',
    input: v2({
      source: template({ audioOnly: true }),
      outputs: [
        out({ case: 'stream', value: new StreamOutput({ urls: ['ws://h/a', 'ws://h/b'] }) }),
      ],
    }),
    want: invalid('exactly one'),
  },
  {
    name: 'rejects a v2 request without outputs',
    input: v2({ source: template({}) }),
    want: invalid('output'),
  },
  {
    name: 'rejects a v2 request without source',
    input: v2({ outputs: [out({ case: 'file', value: new FileOutput({}) })] }),
    want: invalid('source'),
  },
  {
    name: 'rejects a v2 output without config',
    input: v2({ source: template({}), outputs: [new Output({})] }),
    want: invalid('outputs[0]'),
  },
  {
    name: 'rejects two v2 file outputs',
    input: v2({
      source: template({}),
      outputs: [
        out({ case: 'file', value: new FileOutput({}) }),
        out({ case: 'file', value: new FileOutput({}) }),
      ],
    }),
    want: invalid('multiple file outputs'),
  },
  {
    name: 'rejects a v2 media source with neither audio nor video',
    input: v2({ source: media({}), outputs: [out({ case: 'file', value: new FileOutput({}) })] }),
    want: invalid('audio or video'),
  },
  {
    name: 'plans a PASSTHROUGH media track as a track egress',
    input: v2({
      encoding: { case: 'preset', value: EncodingOptionsPreset.PASSTHROUGH },
      source: media({ video: { case: 'videoTrackId', value: 'TR_v' } }),
      outputs: [out({ case: 'file', value: new FileOutput({ filepath: 'p/' }) }, s3('b'))],
    }),
    want: {
      requestType: 'track',
      isPassthrough: true,
      hasAudio: false,
      hasVideo: true,
      source: { kind: 'track', trackId: 'TR_v' },
      file: { filepath: 'p/', upload: { case: 's3' } },
    },
  },
  {
    name: 'rejects PASSTHROUGH with two tracks',
    input: v2({
      encoding: { case: 'preset', value: EncodingOptionsPreset.PASSTHROUGH },
      source: media({ video: { case: 'videoTrackId', value: 'TR_v' }, audio: audioRoutes('TR_a') }),
      outputs: [out({ case: 'file', value: new FileOutput({}) })],
    }),
    want: invalid('passthrough track_id'),
  },
  {
    name: 'rejects PASSTHROUGH with a typed file',
    input: v2({
      encoding: { case: 'preset', value: EncodingOptionsPreset.PASSTHROUGH },
      source: media({ audio: audioRoutes('TR_a') }),
      outputs: [out({ case: 'file', value: new FileOutput({ fileType: EncodedFileType.OGG }) })],
    }),
    want: invalid('passthrough file_type'),
  },
  {
    name: 'rejects PASSTHROUGH with a stream output',
    input: v2({
      encoding: { case: 'preset', value: EncodingOptionsPreset.PASSTHROUGH },
      source: media({ audio: audioRoutes('TR_a') }),
      outputs: [out({ case: 'stream', value: rtmp('rtmp://h/app/key') })],
    }),
    want: invalid('passthrough output'),
  },
  {
    name: 'rejects PASSTHROUGH on a template source',
    input: v2({
      encoding: { case: 'preset', value: EncodingOptionsPreset.PASSTHROUGH },
      source: template({}),
      outputs: [out({ case: 'file', value: new FileOutput({}) })],
    }),
    want: invalid('passthrough source'),
  },
  // Hostile input.
  {
    name: 'rejects a room name with a NUL byte',
    input: room({ roomName: 'a\u0000b', fileOutputs: [mp4()] }),
    want: invalid('room_name'),
  },
  {
    name: 'rejects a whitespace-only room name',
    input: room({ roomName: '   ', fileOutputs: [mp4()] }),
    want: invalid('room_name'),
  },
  {
    name: 'rejects a 100k-character room name',
    input: room({ roomName: 'r'.repeat(100_000), fileOutputs: [mp4()] }),
    want: invalid('room_name'),
  },
  {
    name: 'rejects a 100k-character filepath',
    input: room({ fileOutputs: [mp4('f'.repeat(100_000))] }),
    want: invalid('filepath'),
  },
  {
    name: 'rejects a filepath with a NUL byte',
    input: room({ fileOutputs: [mp4('a\u0000.mp4')] }),
    want: invalid('filepath'),
  },
  {
    name: 'rejects a 100k-character web url',
    input: web({ url: `https://h/${'x'.repeat(100_000)}`, fileOutputs: [mp4()] }),
    want: invalid('url'),
  },
  {
    name: 'rejects a unicode identity with control characters',
    input: participant({ identity: 'ålice\u001b[31m', fileOutputs: [mp4()] }),
    want: invalid('identity'),
  },
  {
    name: 'rejects an unknown request case',
    input: { case: 'replay', value: {} } as unknown as EgressRequest,
    want: invalid('request'),
  },
  {
    name: 'rejects a request without value',
    input: { case: 'web' } as unknown as EgressRequest,
    want: invalid('request'),
  },
  { name: 'rejects null', input: null as unknown as EgressRequest, want: invalid('request') },
  {
    name: 'rejects a plain object whose urls are not strings',
    input: {
      case: 'roomComposite',
      value: { roomName: 'r', streamOutputs: [{ protocol: 1, urls: [42] }] },
    } as unknown as EgressRequest,
    want: invalid('stream url'),
  },
  {
    name: 'rejects a plain object with a numeric room name',
    input: {
      case: 'participant',
      value: { roomName: 7, identity: 'a' },
    } as unknown as EgressRequest,
    want: invalid('room_name'),
  },
];

function assertSubset(actual: unknown, want: unknown, path: string): void {
  if (typeof want === 'object' && want !== null && !Array.isArray(want)) {
    assert.ok(typeof actual === 'object' && actual !== null, `${path} should be an object`);
    for (const [key, value] of Object.entries(want)) {
      assertSubset((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
    return;
  }
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(actual), `${path} should be an array`);
    assert.equal(actual.length, want.length, `${path} length`);
    want.forEach((w, i) => {
      assertSubset(actual[i], w, `${path}[${i}]`);
    });
    return;
  }
  assert.equal(actual, want, path);
}

describe('validateRequest', () => {
  for (const c of cases) {
    it(c.name, () => {
      const want = c.want;
      if ('error' in want && typeof want.error === 'object' && want.error !== null) {
        const { code, includes } = want.error as { code: string; includes: string };
        assert.throws(
          () => validateRequest(c.input, c.options),
          (err: unknown) => {
            assert.ok(err instanceof EgressError, `expected EgressError, got ${String(err)}`);
            assert.equal(err.code, code);
            assert.ok(
              err.message.includes(includes),
              `message "${err.message}" lacks "${includes}"`,
            );
            assert.ok(err.message.length < 1000, 'message is short');
            return true;
          },
        );
        return;
      }
      assertSubset(validateRequest(c.input, c.options), want, 'result');
    });
  }

  it('never puts a stream key or storage secret in an error message', () => {
    const request = room({
      fileOutputs: [
        new EncodedFileOutput({
          fileType: EncodedFileType.OGG,
          output: { case: 's3', value: new S3Upload({ secret: 'storage-secret-value' }) },
        }),
      ],
      streamOutputs: [rtmp('rtmp://h/app/stream-secret-key')],
    });
    assert.throws(
      () => validateRequest(request),
      (err: unknown) =>
        err instanceof EgressError &&
        !err.message.includes('stream-secret-key') &&
        !err.message.includes('storage-secret-value'),
    );
  });
});
