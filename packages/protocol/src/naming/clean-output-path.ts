import { posix } from 'node:path';
import { EgressError } from '../errors.js';

function firstControlCharacter(value: string): number | undefined {
  for (const char of value) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint < 0x20 || codePoint === 0x7f) return codePoint;
  }
  return undefined;
}

/**
 * Cleans a requested output path the way Go's `clean()` does (egress-go-behavior.md §3): the path
 * is normalised, every leading `../` is stripped, `.`, `..` and `''` become `''`, and a trailing
 * `/` (meaning "a folder, generate the name") is kept. A leading `/` is kept, as in Go.
 *
 * Differences from Go: `\` counts as a separator (so `..\..\x` cannot climb out on a host that
 * reads it that way), and control characters are rejected, since a newline in a segment name
 * would break the HLS playlist.
 *
 * @param value - the path as requested; may hold placeholders
 * @param field - the request field it came from, named in the error message
 * @throws `invalid_argument` when `value` contains a control character (NUL included).
 */
export function cleanOutputPath(value: string, field: string): string {
  const control = firstControlCharacter(value);
  if (control !== undefined) {
    const code = control.toString(16).toUpperCase().padStart(4, '0');
    throw EgressError.invalidArgument(
      `${field} contains a control character (U+${code}); remove it from ${field}`,
    );
  }
  const slashed = value.replaceAll('\\', '/');
  const hasEndingSlash = slashed.endsWith('/');
  let cleaned = posix.normalize(slashed);
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  while (cleaned.startsWith('../')) cleaned = cleaned.slice(3);
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return '';
  return hasEndingSlash && cleaned !== '/' ? `${cleaned}/` : cleaned;
}
