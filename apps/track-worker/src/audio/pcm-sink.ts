import type { EgressError } from '@egress/protocol';

/** What an output reports when it closed cleanly. */
export interface PcmSinkResult {
  /** The local file written, for file outputs. */
  localPath?: string;
  /** Bytes in that file, or bytes sent. */
  sizeBytes: number;
}

/**
 * Where an audio track egress sends its raw S16LE 48 kHz stereo PCM: an encoder child writing a
 * file, or a WebSocket. Writes never block; a broken output reports through `failed`.
 */
export interface PcmSink {
  /** Raw interleaved S16LE PCM, in order, contiguous (gaps already filled). */
  write(pcm: Buffer): void;
  /** The source track was muted or unmuted. */
  setMuted(isMuted: boolean): void;
  /** Resolves with the error when the output breaks before {@link close}; never rejects. */
  readonly failed: Promise<EgressError>;
  /** Ends the output (EOS, close frame) and waits for it to finish. */
  close(): Promise<PcmSinkResult>;
  /** Stops at once without finishing (after a failure). */
  destroy(): void;
  /** The encoder child's pid, for outputs that run one. */
  readonly pid?: number;
}
