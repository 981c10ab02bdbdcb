import { gstProp } from './gst-prop.js';

/**
 * A `filesink` writing `path` unbuffered: each muxer buffer (a Matroska cluster, an MP4 fragment,
 * an Ogg page) reaches the disk at once, so a killed encoder keeps all of them; filesink's
 * default 64 KB stdio buffer held the first ~4 s of an audio-only recording.
 */
export function fileSinkElement(path: string): string[] {
  return ['filesink', gstProp('location', path), 'sync=false', 'buffer-mode=unbuffered'];
}
