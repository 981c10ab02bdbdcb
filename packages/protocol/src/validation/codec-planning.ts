import { EgressError } from '../errors.js';
import type { AudioCodecName, VideoCodecName } from '../request-types.js';
import {
  CODEC_COMPATIBILITY,
  ENCODABLE_AUDIO_CODECS,
  ENCODABLE_VIDEO_CODECS,
  type OutputContainer,
  selectDefaultFileType,
} from './codecs.js';
import type { EgressDraft } from './egress-draft.js';
import { audioFrequencyFor } from './encoding.js';

function codecError(container: OutputContainer, codec: string, hint: string): EgressError {
  return EgressError.invalidArgument(
    `format ${container} incompatible with codec ${codec} (${hint})`,
  );
}

/** Picks codecs every encoded output accepts and the DEFAULT file type (pkg/config/pipeline.go). */
export function planCodecs(draft: EgressDraft): void {
  if (draft.websocket) {
    draft.encoding.audioCodec = 'pcm';
    draft.encoding.audioFrequencyHz = audioFrequencyFor('pcm', undefined);
    return;
  }

  // RTMP and SRT force AAC + H.264 whatever was requested, as in Go.
  const forcedAudio: AudioCodecName | undefined = draft.stream ? 'aac' : undefined;
  const outputs: { container: OutputContainer | undefined }[] = [];
  if (draft.file) outputs.push({ container: draft.file.fileType });
  if (draft.segments) outputs.push({ container: 'hls' });
  if (draft.stream) outputs.push({ container: draft.stream.protocol });

  let audio: AudioCodecName[] = [];
  if (draft.hasAudio) {
    const wanted = forcedAudio ?? draft.requestedAudio;
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
  if (draft.hasVideo) {
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

  if (draft.file && draft.file.fileType === undefined) {
    const fileType = selectDefaultFileType(audio, video);
    if (!fileType) {
      throw EgressError.invalidArgument(
        'no supported file output type is compatible with the selected codecs (with video, use AAC or OPUS audio)',
      );
    }
    draft.file.fileType = fileType;
    const first = outputs[0];
    if (first) first.container = fileType;
  }

  if (draft.hasAudio) {
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
    if (chosen) draft.encoding.audioCodec = chosen;
  }
  draft.encoding.videoCodec = 'h264';
  draft.encoding.audioFrequencyHz = audioFrequencyFor(
    draft.encoding.audioCodec,
    draft.requestedFrequencyHz,
  );
}

function audioHint(container: OutputContainer): string {
  const accepted = CODEC_COMPATIBILITY[container].audio;
  return accepted.length === 0
    ? `${container} holds no audio`
    : `${container} carries ${accepted.join(' or ')}: change audio_codec or leave it unset`;
}
