import { planCompositePipeline } from '@egress/media';
import type { EncodingSettings, Logger, OutputFileType } from '@egress/protocol';
import { startGstStdinSink } from '../gst-stdin-sink.js';
import type { PcmSink } from './pcm-sink.js';

/** Options of {@link startPlannedAudioSink}. */
export interface PlannedAudioSinkOptions {
  /** The request's encoding (audio codec, bitrate, frequency resolved by validation). */
  encoding: EncodingSettings;
  /** The audio file to write: OGG (Opus), MP4 (AAC or Opus) or MP3. */
  file: { fileType: OutputFileType; localPath: string };
  logger: Logger;
  /** How long close() waits for EOS before killing the encoder, milliseconds. @defaultValue 10000 */
  closeDeadlineMs?: number;
}

/**
 * Encodes raw S16LE 48 kHz stereo on stdin with the composite worker's output plan
 * (`planCompositePipeline` with an `fd` audio source), so an SDK audio room composite writes the
 * same OGG, MP4 and MP3 files as the Chromium path.
 * @throws `invalid_argument` when the plan rejects the output (a codec the container cannot carry)
 */
export function startPlannedAudioSink(options: PlannedAudioSinkOptions): PcmSink {
  const plan = planCompositePipeline({
    outputs: { encoding: options.encoding, file: options.file },
    sources: { audio: { kind: 'fd', fd: 0 } },
  });
  return startGstStdinSink({
    args: ['-q', ...plan.args],
    localPath: options.file.localPath,
    logger: options.logger,
    what: 'audio encoder',
    ...(options.closeDeadlineMs ? { closeDeadlineMs: options.closeDeadlineMs } : {}),
  });
}
