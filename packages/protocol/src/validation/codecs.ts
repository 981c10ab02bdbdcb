import type { AudioCodecName, OutputFileType, VideoCodecName } from '../request-types.js';

/** Every container or transport an encoded output can use. */
export type OutputContainer = OutputFileType | 'hls' | 'rtmp' | 'srt' | 'websocket';

/** The codecs one container can carry, and the ones it prefers. */
export interface ContainerCodecs {
  audio: readonly AudioCodecName[];
  video: readonly VideoCodecName[];
  defaultAudio?: AudioCodecName;
  defaultVideo?: VideoCodecName;
}

/**
 * Which codecs each container carries, after pkg/types/types.go `CodecCompatibility`
 * (egress-go-behavior.md §3). The one such table: validation picks codecs with it, and media's
 * pipeline plan checks the codecs it is given against it.
 * MP3 carries only MP3 here: Go also lists Opus, AAC and PCM for MP3, which lets an AAC stream
 * feed xingmux and write a broken file, so we leave them out.
 */
export const CODEC_COMPATIBILITY: Readonly<Record<OutputContainer, ContainerCodecs>> =
  Object.freeze({
    ogg: { audio: ['opus'], video: [], defaultAudio: 'opus' },
    mp4: { audio: ['aac', 'opus'], video: ['h264'], defaultAudio: 'aac', defaultVideo: 'h264' },
    mp3: { audio: ['mp3'], video: [], defaultAudio: 'mp3' },
    webm: { audio: ['opus'], video: ['vp8', 'vp9'], defaultAudio: 'opus', defaultVideo: 'vp8' },
    ivf: { audio: [], video: ['vp8', 'vp9'], defaultVideo: 'vp8' },
    hls: { audio: ['aac'], video: ['h264'], defaultAudio: 'aac', defaultVideo: 'h264' },
    rtmp: { audio: ['aac'], video: ['h264'], defaultAudio: 'aac', defaultVideo: 'h264' },
    srt: { audio: ['aac'], video: ['h264'], defaultAudio: 'aac', defaultVideo: 'h264' },
    websocket: { audio: ['pcm'], video: [], defaultAudio: 'pcm' },
  });

/** Audio codecs the encoders can produce for files, segments and streams, in tie-break order. */
export const ENCODABLE_AUDIO_CODECS: readonly AudioCodecName[] = ['aac', 'opus', 'mp3'];
/** Video codecs the encoders can produce: only H.264 (egress-go-behavior.md §9). */
export const ENCODABLE_VIDEO_CODECS: readonly VideoCodecName[] = ['h264'];

/** Whether a container can carry a codec. */
export function isCodecCompatible(
  container: OutputContainer,
  codec: AudioCodecName | VideoCodecName,
): boolean {
  const entry = CODEC_COMPATIBILITY[container];
  return (
    (entry.audio as readonly string[]).includes(codec) ||
    (entry.video as readonly string[]).includes(codec)
  );
}

/**
 * The file type a DEFAULT_FILETYPE file output becomes (pkg/config/pipeline.go
 * updateOutputType): audio only takes the first of OGG, MP4, MP3 that carries one of the
 * candidate audio codecs; anything with video is MP4, if MP4 carries the audio too. Undefined
 * when nothing fits.
 *
 * @param audioCodecs candidate audio codecs (those every output accepts), empty without audio
 * @param videoCodecs candidate video codecs, empty without video
 */
export function selectDefaultFileType(
  audioCodecs: readonly AudioCodecName[],
  videoCodecs: readonly VideoCodecName[],
): OutputFileType | undefined {
  const hasAudio = audioCodecs.length > 0;
  const hasVideo = videoCodecs.length > 0;
  const candidates: readonly OutputFileType[] = hasVideo ? ['mp4'] : ['ogg', 'mp4', 'mp3'];
  return candidates.find(
    (type) =>
      (!hasAudio || audioCodecs.some((c) => isCodecCompatible(type, c))) &&
      (!hasVideo || videoCodecs.some((c) => isCodecCompatible(type, c))),
  );
}

/** Track codecs a track egress can receive (RTP payloads). */
export type TrackCodecName = 'opus' | 'pcmu' | 'pcma' | 'h264' | 'vp8' | 'vp9';

/**
 * The file a track egress writes for a track codec: audio is re-encoded to Opus in OGG, H.264
 * goes to MP4, VP8/VP9 to WebM (types.go TrackOutputTypes). Undefined for other codecs.
 */
export function fileTypeForTrackCodec(codec: string): OutputFileType | undefined {
  switch (codec.toLowerCase()) {
    case 'opus':
    case 'pcmu':
    case 'pcma':
    case 'audio/opus':
    case 'audio/pcmu':
    case 'audio/pcma':
      return 'ogg';
    case 'h264':
    case 'video/h264':
      return 'mp4';
    case 'vp8':
    case 'vp9':
    case 'video/vp8':
    case 'video/vp9':
      return 'webm';
    default:
      return undefined;
  }
}
