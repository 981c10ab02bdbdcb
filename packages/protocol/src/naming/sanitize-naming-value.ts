function isUnsafeCodePoint(codePoint: number): boolean {
  return (
    codePoint === 0x2f || // '/'
    codePoint === 0x5c || // '\'
    codePoint < 0x20 || // C0 controls, NUL included
    (codePoint >= 0x7f && codePoint <= 0x9f) // DEL and C1 controls
  );
}

/**
 * Makes a value safe to put inside one path component: `/`, `\`, NUL and other control characters
 * become `_`, and a value that is exactly `.` or `..` becomes `_` or `__`. So a room name or
 * identity such as `../../etc` (`.._.._etc`) can neither add path segments nor climb out of the
 * output folder, and a newline cannot break an HLS playlist line.
 *
 * Go substitutes values verbatim (a room named `../x` leaves the folder there); sanitizing is a
 * deliberate difference.
 */
export function sanitizeNamingValue(value: string): string {
  if (value === '.' || value === '..') return '_'.repeat(value.length);
  let out = '';
  for (const char of value) {
    // codePointAt(0) of a non-empty string is always defined
    out += isUnsafeCodePoint(char.codePointAt(0) ?? 0) ? '_' : char;
  }
  return out;
}
