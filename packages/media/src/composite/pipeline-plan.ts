import {
  type AudioCodecName,
  CODEC_COMPATIBILITY,
  EgressError,
  type EncodingSettings,
  type OutputContainer,
  type OutputFileType,
} from '@egress/protocol';
import { fileSinkElement } from '../gst/file-sink.js';
import { escapePrintf, gstProp } from '../gst/gst-prop.js';
import { chain, type Element, positiveInt, queue } from './pipeline-elements.js';
import {
  type AudioSourceSpec,
  audioSource,
  type VideoSourceSpec,
  videoSource,
} from './pipeline-sources.js';

/** The live sources of a composite pipeline; a missing one means no audio or no video. */
export interface PipelineSources {
  video?: VideoSourceSpec;
  audio?: AudioSourceSpec;
}

/** A file output with its local path already resolved (`resolveLocalPath(fileOutputName(...))`). */
export interface FileOutputSpec {
  fileType: OutputFileType;
  /** Absolute local path; any characters but control characters and a trailing backslash. */
  localPath: string;
}

/** An HLS output: segments and the main playlist go into one local folder. */
export interface SegmentOutputSpec {
  /** Absolute local folder of the playlist (`resolveLocalPath(baseDir, storageDir)`). */
  localDir: string;
  /** printf pattern relative to `localDir`, `%` already escaped (`SegmentOutputNames.segmentPattern`). */
  segmentPattern: string;
  /** Playlist file name in `localDir` (`SegmentOutputNames.playlistName`). */
  playlistName: string;
  segmentDurationSec: number;
}

/** A JPEG image output. */
export interface ImageOutputSpec {
  /** Absolute local folder (`resolveLocalPath(baseDir, storageDir)`). */
  localDir: string;
  /** printf pattern relative to `localDir`, `%` already escaped (`ImageOutputNames.imagePattern`). */
  imagePattern: string;
  captureIntervalSec: number;
  /** Pixels; 0 or absent takes the encoding's width. */
  width?: number;
  /** Pixels; 0 or absent takes the encoding's height. */
  height?: number;
}

/**
 * The encoded stream for RTMP or SRT destinations: MPEG-TS on a loopback TCP server that each
 * destination process reads ({@link streamDestinationArgs}) from its latest keyframe on.
 */
export interface StreamOutputSpec {
  protocol: 'rtmp' | 'srt';
  /** TCP port of the local server (pick a free one, e.g. with `findFreePort`). */
  port: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
}

/** What to produce: the encoding and every output, each with its local location. */
export interface CompositeOutputPlan {
  encoding: EncodingSettings;
  file?: FileOutputSpec;
  segments?: SegmentOutputSpec;
  images?: ImageOutputSpec[];
  stream?: StreamOutputSpec;
}

/** x264 speed presets, fastest first. */
export const X264_SPEED_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
] as const;
export type X264SpeedPreset = (typeof X264_SPEED_PRESETS)[number];

/** Options of {@link planCompositePipeline}. */
export interface PlanCompositePipelineOptions {
  outputs: CompositeOutputPlan;
  sources: PipelineSources;
  /**
   * x264 speed preset. @defaultValue `veryfast` up to 720p30's pixel rate, `ultrafast` above
   * (veryfast cannot hold 1080p30 on 2 cores: environment.md §3)
   */
  speedPreset?: X264SpeedPreset;
  /**
   * x264 threads. One encodes the same frames for ~10 % less CPU than x264's automatic choice
   * (1.5 per core), which matters where many small encoders share the cores (the track worker);
   * a single big encoder needs the parallelism. @defaultValue 0 (x264 decides)
   */
  x264Threads?: number;
  /** Fragment length of MP4 files: at most this much plus one GOP is lost on a crash. @defaultValue 1000 */
  mp4FragmentMs?: number;
}

/** A `gst-launch-1.0` pipeline, as arguments (no shell quoting anywhere). */
export interface CompositePipelinePlan {
  /** The pipeline description arguments, without `gst-launch-1.0` and `-e`. */
  args: string[];
  /** Whether the pipeline captures and encodes video / audio. */
  hasVideo: boolean;
  hasAudio: boolean;
  /** Video encoder settings chosen, for logs and tests; absent without encoded video. */
  video?: { codec: 'h264' | 'vp8'; keyIntMax: number; speedPreset?: X264SpeedPreset };
}

/**
 * libvpx speed in real-time mode (`deadline=1`): 16 is the fastest, about 0.15 core at 720p30
 * here (x264 veryfast: 0.2); 8 costs half as much again for little gain at a fixed bitrate.
 */
const VP8_CPU_USED = 16;
/** Pixel rate of 720p30; above it x264 drops to `ultrafast`. */
const VERYFAST_MAX_PIXEL_RATE = 1280 * 720 * 30;
/** GOP when the request leaves it open and a file or HLS output needs regular cut points. */
const DEFAULT_CUT_KEYFRAME_INTERVAL_SEC = 1;
/** GOP when the request leaves it open and only streams or images are produced. */
const DEFAULT_KEYFRAME_INTERVAL_SEC = 2;
/** How far (at the nominal bitrate) a stream destination may lag before it skips ahead, at least. */
const STREAM_SOFT_MAX_SEC = 5;

/** The one codec-per-container table is protocol's, which validation picked the codecs from. */
function checkAudioCodec(container: OutputContainer, codec: AudioCodecName): void {
  const allowed = CODEC_COMPATIBILITY[container].audio;
  if (!allowed.includes(codec)) {
    throw EgressError.invalidArgument(
      `${container} output cannot carry ${codec} audio; use ${allowed.join(' or ')}`,
    );
  }
}

function joinLocal(dir: string, pattern: string): string {
  return `${escapePrintf(dir.replace(/\/+$/, ''))}/${pattern}`;
}

function audioEncoder(enc: EncodingSettings): string[] {
  const kbps = positiveInt(enc.audioBitrateKbps, 'audio bitrate');
  switch (enc.audioCodec) {
    case 'opus':
      return chain(['opusenc', `bitrate=${kbps * 1000}`]);
    case 'aac':
      // Go uses faac, which Debian does not ship; avenc_aac is FFmpeg's (environment.md §7)
      return chain(['avenc_aac', `bitrate=${kbps * 1000}`], ['aacparse']);
    case 'mp3':
      return chain(
        ['lamemp3enc', 'target=bitrate', 'cbr=true', `bitrate=${kbps}`],
        ['mpegaudioparse'],
      );
    default:
      throw EgressError.invalidArgument(
        `audio codec ${enc.audioCodec} cannot be encoded here; use aac, opus or mp3`,
      );
  }
}

function pickSpeedPreset(enc: EncodingSettings): X264SpeedPreset {
  return enc.width * enc.height * enc.framerate > VERYFAST_MAX_PIXEL_RATE
    ? 'ultrafast'
    : 'veryfast';
}

/**
 * Builds the `gst-launch-1.0` arguments of a composite egress: capture once, encode once (one
 * `x264enc`, one audio encoder) and `tee` the encoded streams to every output. With more than one
 * consumer each branch gets a leaky queue, so a slow output drops its own data instead of stalling
 * the others (Go's bin.go does the same); not with `fd` sources, whose data would be lost.
 *
 * - MP4 is fragmented (`fragment-duration`, default `dash-or-mss` mode): the `moov` is written
 *   first and each fragment goes out whole (`moof` + `mdat` per track), so a SIGKILL at any time
 *   leaves a file that plays up to its last complete fragment. A clean EOS adds the duration to
 *   the `moov` and an `mfra` index (the sink is seekable): `ffprobe` duration and seeking work.
 *   Not `first-moov-then-finalise`: GStreamer 1.22 writes one `trun` per interleaved chunk there
 *   and leaves the sample size out of a `trun` whose samples all match the fragment's first size
 *   after the `tfhd` default was dropped (constant-size AAC frames), which FFmpeg rejects ("error
 *   reading header") until EOS rewrites the file; and its `moov` only follows the first fragment.
 * - HLS uses `hlssink2` with `target-duration`, `max-files=0`, `playlist-length=0`; x264 gets
 *   `key-int-max = fps × keyframe interval` and `scenecut=0` so segments cut on time. The live
 *   playlist is not written by GStreamer: see `writeLivePlaylist`.
 * - Images: `videorate` to 1/interval fps, `videoscale`, `jpegenc`, `multifilesink`.
 * - Streams: MPEG-TS with SPS/PPS before every IDR on a loopback `tcpserversink` that starts
 *   each new client (a destination joining, added by UpdateStream or retried) at the latest
 *   keyframe it holds; each destination is its own process (`streamDestinationArgs`) and RTMP
 *   ones remux to FLV.
 *
 * - Sources: `ximagesrc` + `pulsesrc` (composite worker), or raw I420 and S16LE on two pipes
 *   of the child (`fd` kind: the track worker feeds decoded WebRTC frames), or test sources.
 *
 * - VP8 (`encoding.videoCodec` `vp8`, track video egress): `vp8enc` in real-time mode into a
 *   `webmmux` file; nothing else carries VP8.
 *
 * Differences from Go: a keyframe interval of 0 becomes 1 s when a file or HLS output exists and
 * 2 s otherwise (fragments and segments need regular keyframes); `scenecut=0` always; AAC uses
 * `avenc_aac`.
 *
 * @throws `invalid_argument` when there is no output, an output needs a source that is missing,
 * a container cannot carry the audio codec, two sources share one fd, or a path cannot be passed
 * to gst-launch.
 */
export function planCompositePipeline(
  options: PlanCompositePipelineOptions,
): CompositePipelinePlan {
  const { outputs, sources } = options;
  const enc = outputs.encoding;
  const file = outputs.file;
  const images = outputs.images ?? [];
  const isVp8 = enc.videoCodec === 'vp8';
  const fileIsAudioOnly = file !== undefined && file.fileType !== 'mp4' && file.fileType !== 'webm';

  if (file && !['mp4', 'ogg', 'mp3', 'webm'].includes(file.fileType)) {
    throw EgressError.invalidArgument(
      `file type ${file.fileType} is not supported for composite egress; use mp4, ogg or mp3`,
    );
  }
  if (file?.fileType === 'webm' && !isVp8) {
    throw EgressError.invalidArgument(
      `a webm file carries vp8 video, not ${enc.videoCodec}; use mp4, ogg or mp3`,
    );
  }
  if (isVp8 && (file?.fileType !== 'webm' || outputs.segments || outputs.stream)) {
    throw EgressError.invalidArgument(
      'vp8 video goes only to a webm file; HLS, streams and mp4 files carry h264',
    );
  }
  if (!file && !outputs.segments && !outputs.stream && images.length === 0) {
    throw EgressError.invalidArgument(
      'the pipeline has no output; add a file, segment, stream or image output',
    );
  }
  if (images.length > 0 && !sources.video) {
    throw EgressError.invalidArgument('image outputs need a video source');
  }
  if (
    sources.video?.kind === 'fd' &&
    sources.audio?.kind === 'fd' &&
    sources.video.fd === sources.audio.fd
  ) {
    throw EgressError.invalidArgument(
      `video and audio cannot share one source fd (${sources.video.fd})`,
    );
  }
  if (fileIsAudioOnly && !sources.audio) {
    throw EgressError.invalidArgument(`a ${file.fileType} file needs an audio source`);
  }

  // who consumes the encoded video / audio
  const videoSinks: string[] = [];
  const audioSinks: string[] = [];
  if (file) {
    if (!fileIsAudioOnly && sources.video) videoSinks.push('file');
    if (sources.audio) {
      checkAudioCodec(file.fileType, enc.audioCodec);
      audioSinks.push('file');
    }
    if (videoSinks.length === 0 && audioSinks.length === 0) {
      throw EgressError.invalidArgument('a file output needs an audio or video source');
    }
  }
  if (outputs.segments) {
    if (sources.video) videoSinks.push('segments');
    if (sources.audio) {
      checkAudioCodec('hls', enc.audioCodec);
      audioSinks.push('segments');
    }
    if (!sources.video && !sources.audio) {
      throw EgressError.invalidArgument('a segment output needs an audio or video source');
    }
  }
  if (outputs.stream) {
    if (sources.video) videoSinks.push('stream');
    if (sources.audio) {
      checkAudioCodec(outputs.stream.protocol, enc.audioCodec);
      audioSinks.push('stream');
    }
    if (!sources.video && !sources.audio) {
      throw EgressError.invalidArgument('a stream output needs an audio or video source');
    }
  }

  const hasVideo = videoSinks.length > 0 || images.length > 0;
  const hasAudio = audioSinks.length > 0;
  // Pipes are paced by their writer and stamped by count: what a leaky queue dropped would be
  // lost for good, so their branches wait for each other instead.
  const mayDrop = sources.video?.kind !== 'fd' && sources.audio?.kind !== 'fd';
  const args: string[] = [];
  let video: CompositePipelinePlan['video'];

  if (hasVideo && sources.video) {
    positiveInt(enc.width, 'width');
    positiveInt(enc.height, 'height');
    const fps = positiveInt(enc.framerate, 'framerate');
    const rawConsumers = (videoSinks.length > 0 ? 1 : 0) + images.length;
    const rawIsLeaky = rawConsumers > 1 && mayDrop;
    args.push(...videoSource(sources.video, enc), '!', 'tee', 'name=vraw');

    if (videoSinks.length > 0) {
      const needsCuts = file !== undefined || outputs.segments !== undefined;
      const kfiSec =
        enc.keyFrameIntervalSec > 0
          ? enc.keyFrameIntervalSec
          : needsCuts
            ? DEFAULT_CUT_KEYFRAME_INTERVAL_SEC
            : DEFAULT_KEYFRAME_INTERVAL_SEC;
      const keyIntMax = Math.max(1, Math.round(fps * kfiSec));
      const kbps = positiveInt(enc.videoBitrateKbps, 'video bitrate');
      let encoder: Element[];
      if (isVp8) {
        video = { codec: 'vp8', keyIntMax };
        encoder = [
          [
            'vp8enc',
            'deadline=1',
            `cpu-used=${VP8_CPU_USED}`,
            'threads=1',
            'end-usage=cbr',
            `target-bitrate=${kbps * 1000}`,
            'lag-in-frames=0',
            `keyframe-max-dist=${keyIntMax}`,
          ],
        ];
      } else {
        const speedPreset = options.speedPreset ?? pickSpeedPreset(enc);
        video = { codec: 'h264', keyIntMax, speedPreset };
        encoder = [
          [
            'x264enc',
            `speed-preset=${speedPreset}`,
            'tune=zerolatency',
            ...(options.x264Threads ? [`threads=${options.x264Threads}`] : []),
            `bitrate=${kbps}`,
            `key-int-max=${keyIntMax}`,
            'option-string=scenecut=0',
          ],
          [`video/x-h264,profile=${enc.h264Profile}`],
          ['h264parse'],
        ];
      }
      args.push(
        'vraw.',
        '!',
        ...chain(queue(rawIsLeaky, { timeNs: 1_000_000_000 }), ...encoder, ['tee', 'name=venc']),
      );
    }
    images.forEach((image, i) => {
      const interval = positiveInt(image.captureIntervalSec, 'image capture interval');
      const width = image.width && image.width > 0 ? image.width : enc.width;
      const height = image.height && image.height > 0 ? image.height : enc.height;
      args.push(
        'vraw.',
        '!',
        ...chain(
          queue(rawIsLeaky, { buffers: 2 }),
          ['videorate'],
          ['videoscale'],
          [`video/x-raw,framerate=1/${interval},width=${width},height=${height}`],
          ['jpegenc'],
          [
            'multifilesink',
            `name=images${i}`,
            gstProp('location', joinLocal(image.localDir, image.imagePattern)),
            'post-messages=true',
            'sync=false',
          ],
        ),
      );
    });
  }

  if (hasAudio && sources.audio) {
    args.push(
      ...audioSource(sources.audio, enc),
      '!',
      ...audioEncoder(enc),
      '!',
      'tee',
      'name=aenc',
    );
  }

  const videoIsLeaky = videoSinks.length > 1 && mayDrop;
  const audioIsLeaky = audioSinks.length > 1 && mayDrop;
  const videoBranch = (...rest: Element[]) => [
    'venc.',
    '!',
    ...chain(queue(videoIsLeaky), ...(isVp8 ? [] : [['h264parse']]), ...rest),
  ];
  const audioBranch = (target: string) => ['aenc.', '!', ...chain(queue(audioIsLeaky), [target])];

  if (file) {
    const fileSink = fileSinkElement(file.localPath);
    if (file.fileType === 'webm') {
      // Matroska clusters go out as they fill: a crash leaves a file that plays up to the last one.
      args.push(...chain(['webmmux', 'name=filemux'], fileSink));
      if (videoSinks.includes('file')) args.push(...videoBranch(['filemux.']));
      if (audioSinks.includes('file')) args.push(...audioBranch('filemux.'));
    } else if (file.fileType === 'mp4') {
      const fragmentMs = options.mp4FragmentMs ?? 1000;
      args.push(
        ...chain(
          [
            'mp4mux',
            'name=filemux',
            `fragment-duration=${positiveInt(fragmentMs, 'mp4FragmentMs')}`,
          ],
          fileSink,
        ),
      );
      if (videoSinks.includes('file')) args.push(...videoBranch(['filemux.']));
      if (audioSinks.includes('file')) args.push(...audioBranch('filemux.'));
    } else {
      const mux = file.fileType === 'ogg' ? 'oggmux' : 'xingmux';
      args.push(...chain([mux, 'name=filemux'], fileSink));
      args.push(...audioBranch('filemux.'));
    }
  }

  if (outputs.segments) {
    const seg = outputs.segments;
    args.push(
      'hlssink2',
      'name=hls',
      `target-duration=${positiveInt(seg.segmentDurationSec, 'segment duration')}`,
      'max-files=0',
      'playlist-length=0',
      'send-keyframe-requests=true',
      gstProp('location', joinLocal(seg.localDir, seg.segmentPattern)),
      gstProp('playlist-location', `${seg.localDir.replace(/\/+$/, '')}/${seg.playlistName}`),
    );
    if (videoSinks.includes('segments')) args.push(...videoBranch(['hls.video']));
    if (audioSinks.includes('segments')) args.push(...audioBranch('hls.audio'));
  }

  if (outputs.stream) {
    const stream = outputs.stream;
    const port = positiveInt(stream.port, 'stream port');
    const streamHasVideo = videoSinks.includes('stream');
    const totalKbps = (streamHasVideo ? enc.videoBitrateKbps : 0) + enc.audioBitrateKbps;
    const bytesPerSec = totalKbps * 125;
    // The server keeps its latest keyframe while it is within units-soft-max: at least a GOP and
    // a second; a destination that lags that far skips ahead to a keyframe.
    const gopSec = video ? video.keyIntMax / enc.framerate : 0;
    const softMaxBytes = bytesPerSec * Math.max(STREAM_SOFT_MAX_SEC, Math.ceil(gopSec + 1));
    args.push(
      ...chain(
        // raw MPEG-TS, one buffer per packet: mpegtsmux marks the packet that starts a keyframe
        // as the only non-delta one (GDP, or alignment, would hide that from the server) and
        // puts PAT and PMT in the streamheader, which the server sends every joiner first
        ['mpegtsmux', 'name=streammux'],
        [
          'tcpserversink',
          gstProp('host', stream.host ?? '127.0.0.1'),
          `port=${port}`,
          'sync=false',
          // A joiner (a destination started with the egress, added by UpdateStream or retried)
          // gets the latest keyframe and what followed, at once; audio only has no keyframes.
          // Not in the first GOP: mpegtsmux gives the first keyframe's non-delta flag to the PAT
          // before it, so a joiner then waits for the second keyframe.
          `sync-method=${streamHasVideo ? 'latest-keyframe' : 'latest'}`,
          `recover-policy=${streamHasVideo ? 'keyframe' : 'latest'}`,
          'unit-format=bytes',
          `units-soft-max=${softMaxBytes}`,
          // 3 times as far behind, a destination is dropped
          `units-max=${softMaxBytes * 3}`,
        ],
      ),
    );
    if (streamHasVideo) {
      // SPS and PPS before every IDR, so any keyframe starts a decodable stream (x264 writes
      // them once, into the caps)
      args.push(
        'venc.',
        '!',
        ...chain(queue(videoIsLeaky), ['h264parse', 'config-interval=-1'], ['streammux.']),
      );
    }
    if (audioSinks.includes('stream')) args.push(...audioBranch('streammux.'));
  }

  return { args, hasVideo, hasAudio, ...(video ? { video } : {}) };
}
