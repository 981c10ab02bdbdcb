import { fileSinkElement } from '@egress/media';
import type { Logger } from '@egress/protocol';
import { startGstStdinSink } from '../gst-stdin-sink.js';
import type { PcmSink } from './pcm-sink.js';

/** Options of {@link startOggOpusSink}. */
export interface OggOpusSinkOptions {
  /** The local file to write. */
  localPath: string;
  logger: Logger;
  /** Opus bitrate, kbps. @defaultValue 128 (Go's default audio bitrate) */
  bitrateKbps?: number;
  /**
   * opusenc complexity 0–10; 5 halves the encoder's CPU against 10 with no audible loss for
   * speech (README numbers). @defaultValue 5
   */
  complexity?: number;
  /** How long close() waits for EOS before killing the encoder, milliseconds. @defaultValue 10000 */
  closeDeadlineMs?: number;
  /** @defaultValue 'gst-launch-1.0' */
  gstLaunchPath?: string;
}

/** The gst-launch arguments of the encoder: raw S16LE 48 kHz stereo on stdin → OGG/Opus. */
export function oggOpusArgs(localPath: string, bitrateKbps: number, complexity: number): string[] {
  return [
    '-q',
    'fdsrc',
    'fd=0',
    '!',
    'rawaudioparse',
    'use-sink-caps=false',
    'format=pcm',
    'pcm-format=s16le',
    'sample-rate=48000',
    'num-channels=2',
    '!',
    'opusenc',
    `bitrate=${bitrateKbps * 1000}`,
    `complexity=${complexity}`,
    '!',
    'oggmux',
    '!',
    ...fileSinkElement(localPath),
  ];
}

/**
 * Encodes raw S16LE 48 kHz stereo PCM to an OGG/Opus file in a `gst-launch-1.0 fdsrc` child
 * (see {@link startGstStdinSink}).
 */
export function startOggOpusSink(options: OggOpusSinkOptions): PcmSink {
  return startGstStdinSink({
    args: oggOpusArgs(options.localPath, options.bitrateKbps ?? 128, options.complexity ?? 5),
    localPath: options.localPath,
    logger: options.logger,
    what: 'audio encoder',
    ...(options.closeDeadlineMs ? { closeDeadlineMs: options.closeDeadlineMs } : {}),
    ...(options.gstLaunchPath ? { gstLaunchPath: options.gstLaunchPath } : {}),
  });
}
