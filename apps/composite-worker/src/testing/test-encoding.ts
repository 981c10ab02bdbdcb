import { AudioCodec, EncodingOptions } from '@livekit/protocol';

/** The size, rate and bitrates of a test encoding; the rest is {@link testEncoding}'s. */
export interface TestEncodingSize {
  /** @defaultValue 320 */
  width?: number;
  /** @defaultValue 240 */
  height?: number;
  /** @defaultValue 30 */
  framerate?: number;
  /** kbps. @defaultValue 600 */
  videoBitrate?: number;
  /** kbps. @defaultValue 64 */
  audioBitrate?: number;
}

/**
 * A request's `options` for worker tests: small H.264 (320x240 30 fps by default) and AAC
 * (64 kbps by default) at 48 kHz, cheap enough for a loaded machine.
 */
export function testEncoding(size: TestEncodingSize = {}): {
  case: 'advanced';
  value: EncodingOptions;
} {
  return {
    case: 'advanced',
    value: new EncodingOptions({
      width: size.width ?? 320,
      height: size.height ?? 240,
      framerate: size.framerate ?? 30,
      videoBitrate: size.videoBitrate ?? 600,
      audioCodec: AudioCodec.AAC,
      audioBitrate: size.audioBitrate ?? 64,
      audioFrequency: 48000,
    }),
  };
}
