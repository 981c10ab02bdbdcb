import { DEFAULT_ENCODING, type EncodingSettings } from '@egress/protocol';

/**
 * Encoding of media tests that run real GStreamer on live test sources: small (320x240 30 fps,
 * 600 kbps, AAC 48 kHz) so a pipeline leaves the shared 2 cores to the rest of the test.
 */
export const SMALL_TEST_ENCODING: EncodingSettings = {
  ...DEFAULT_ENCODING,
  width: 320,
  height: 240,
  framerate: 30,
  videoBitrateKbps: 600,
  audioCodec: 'aac',
  audioFrequencyHz: 48000,
};
