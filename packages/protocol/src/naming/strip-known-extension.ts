/** Extensions Go recognises as its own (livekit/egress pkg/types `FileExtensions`). */
export const KNOWN_EXTENSIONS: ReadonlySet<string> = new Set([
  '.raw',
  '.ogg',
  '.mp3',
  '.ivf',
  '.mp4',
  '.ts',
  '.webm',
  '.m3u8',
  '.jpeg',
]);

/**
 * Removes the extension after the last `.` when it is one of {@link KNOWN_EXTENSIONS} (compared
 * case-insensitively); any other extension is kept, so `my.recording` stays `my.recording`.
 *
 * Differences from Go: Go's `removeKnownExtension` (used for playlist names) cuts at the last `.`
 * even for unknown extensions (`my.recording` becomes `my`), and Go compares case-sensitively
 * (`a.MP4` becomes `a.MP4.mp4`).
 */
export function stripKnownExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return name;
  return KNOWN_EXTENSIONS.has(name.slice(dot).toLowerCase()) ? name.slice(0, dot) : name;
}
