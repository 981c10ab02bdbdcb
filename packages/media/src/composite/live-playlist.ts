import { readFile, rename, writeFile } from 'node:fs/promises';

/** Segments in a live playlist: Go's sliding window (egress-go-behavior.md §4). */
export const LIVE_PLAYLIST_WINDOW = 5;

/** Playlist-level tags: every other tag belongs to the segment whose URI follows it. */
const HEADER_TAGS = [
  '#EXTM3U',
  '#EXT-X-VERSION',
  '#EXT-X-PLAYLIST-TYPE',
  '#EXT-X-ALLOW-CACHE',
  '#EXT-X-TARGETDURATION',
  '#EXT-X-INDEPENDENT-SEGMENTS',
];

/**
 * Go's `#EXT-X-PROGRAM-DATE-TIME` value (m3u8 writer: `2006-01-02T15:04:05.999Z07:00` in UTC):
 * milliseconds without trailing zeros, none at all on a whole second.
 */
export function programDateTime(at: Date): string {
  return at.toISOString().replace(/\.?0+Z$/, 'Z');
}

/**
 * The header of Go's main playlist (an EVENT playlist): version 4, no caching, the target
 * duration, media sequence 0.
 */
export function eventPlaylistHeader(targetDurationSec: number): string[] {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:4',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    '#EXT-X-ALLOW-CACHE:NO',
    `#EXT-X-TARGETDURATION:${targetDurationSec}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
  ];
}

/**
 * The live playlist derived from a main HLS playlist: the last `windowSize` segments, each with
 * its tags (`#EXT-X-PROGRAM-DATE-TIME`, `#EXTINF`), with `#EXT-X-MEDIA-SEQUENCE` set to the first
 * one's index, no playlist type (Go's live playlist has none), and `#EXT-X-ENDLIST` once the main
 * playlist has it. `hlssink2` writes only one playlist, so the live one is derived from it.
 */
export function livePlaylistFromMain(main: string, windowSize = LIVE_PLAYLIST_WINDOW): string {
  const lines = main.split(/\r?\n/);
  const header: string[] = [];
  const segments: string[][] = [];
  let pending: string[] = [];
  let firstSequence = 0;
  let isEnded = false;
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (line.startsWith('#EXT-X-ENDLIST')) isEnded = true;
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:'))
      firstSequence = Number(line.split(':')[1]) || 0;
    else if (HEADER_TAGS.some((tag) => line.startsWith(tag))) {
      if (segments.length === 0 && pending.length === 0) header.push(line);
    } else if (line.startsWith('#')) pending.push(line);
    else {
      segments.push([...pending, line]);
      pending = [];
    }
  }
  const kept = segments.slice(-windowSize);
  const sequence = firstSequence + segments.length - kept.length;
  const out = [
    ...header.filter((l) => !l.startsWith('#EXT-X-PLAYLIST-TYPE')),
    `#EXT-X-MEDIA-SEQUENCE:${sequence}`,
    ...kept.flat(),
    ...(isEnded ? ['#EXT-X-ENDLIST'] : []),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * Rewrites the live playlist from the main one (atomically: temp file, then rename, so a
 * reader or uploader never sees half a file). Call it after each new segment (the
 * `splitmuxsink-fragment-closed` message with `gst-launch -m`) or on a timer, and once after EOS.
 *
 * @returns false when the main playlist does not exist yet
 */
export async function writeLivePlaylist(
  mainPath: string,
  livePath: string,
  windowSize = LIVE_PLAYLIST_WINDOW,
): Promise<boolean> {
  let main: string;
  try {
    main = await readFile(mainPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const tmp = `${livePath}.tmp`;
  await writeFile(tmp, livePlaylistFromMain(main, windowSize));
  await rename(tmp, livePath);
  return true;
}
