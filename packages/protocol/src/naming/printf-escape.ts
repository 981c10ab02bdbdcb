/**
 * Escapes `%` as `%%` so a user-chosen prefix can sit in a printf-style GStreamer `location`
 * pattern (`multifilesink`, `splitmuxsink`) without being read as a conversion.
 */
export function printfEscape(value: string): string {
  return value.replaceAll('%', '%%');
}
