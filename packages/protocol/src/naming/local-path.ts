import { Buffer } from 'node:buffer';
import { posix } from 'node:path';
import { EgressError } from '../errors.js';

/** Longest file or folder name Linux file systems take (`NAME_MAX`), in UTF-8 bytes. */
export const MAX_PATH_COMPONENT_BYTES = 255;
/** Longest whole path, in UTF-8 bytes: Linux `PATH_MAX` (4096) counts the closing NUL. */
export const MAX_LOCAL_PATH_BYTES = 4095;

const PREVIEW_CHARS = 40;

function preview(value: string): string {
  const chars = Array.from(value);
  return chars.length <= PREVIEW_CHARS ? value : `${chars.slice(0, PREVIEW_CHARS).join('')}...`;
}

/**
 * The only way an output path lands on local disk: joins `relativePath` under `baseDir` and
 * returns the normalised absolute path, or throws when the result would not be inside `baseDir`.
 *
 * - `\` counts as a separator, like `/`; a leading `/` is dropped, so an absolute path is read
 *   relative to `baseDir` (`/etc/passwd` gives `<baseDir>/etc/passwd`).
 * - `.` segments are dropped and `..` removes the previous segment; a `..` that would climb above
 *   `baseDir` is rejected. The returned path holds no `..`, so the kernel never resolves one.
 * - NUL and other control characters are rejected; Unicode, emoji and spaces are fine.
 * - Each name is at most {@link MAX_PATH_COMPONENT_BYTES} bytes and the result at most
 *   {@link MAX_LOCAL_PATH_BYTES} bytes (UTF-8).
 * - An empty `relativePath` gives `baseDir` itself.
 *
 * The check is lexical only: a symlink inside `baseDir` that points elsewhere is followed. Keep
 * `baseDir` a folder only egress writes to.
 *
 * @param baseDir - absolute folder outputs must stay in
 * @param relativePath - the storage path or name to place under it
 * @throws `invalid_argument` when the path leaves `baseDir`, holds a control character or is too
 * long; `internal` when `baseDir` is not absolute.
 */
export function resolveLocalPath(baseDir: string, relativePath: string): string {
  if (!posix.isAbsolute(baseDir)) {
    throw EgressError.internal('local output directory must be an absolute path');
  }
  for (const char of relativePath) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint === 0) {
      throw EgressError.invalidArgument('output path contains a NUL byte; remove it');
    }
    if (codePoint < 0x20 || codePoint === 0x7f) {
      const code = codePoint.toString(16).toUpperCase().padStart(4, '0');
      throw EgressError.invalidArgument(
        `output path contains a control character (U+${code}); remove it`,
      );
    }
  }

  const segments: string[] = [];
  for (const segment of relativePath.replaceAll('\\', '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) {
        throw EgressError.invalidArgument(
          `output path "${preview(relativePath)}" leaves the output directory; remove its ".." segments`,
        );
      }
      segments.pop();
      continue;
    }
    const bytes = Buffer.byteLength(segment, 'utf8');
    if (bytes > MAX_PATH_COMPONENT_BYTES) {
      throw EgressError.invalidArgument(
        `output path name "${preview(segment)}" is ${bytes} bytes; shorten each file or folder name to at most ${MAX_PATH_COMPONENT_BYTES} bytes (UTF-8)`,
      );
    }
    segments.push(segment);
  }

  const base = posix.resolve(baseDir);
  const resolved = posix.join(base, ...segments);
  const bytes = Buffer.byteLength(resolved, 'utf8');
  if (bytes > MAX_LOCAL_PATH_BYTES) {
    throw EgressError.invalidArgument(
      `output path is ${bytes} bytes once placed in the output directory; shorten it by at least ${bytes - MAX_LOCAL_PATH_BYTES} bytes (UTF-8)`,
    );
  }
  return resolved;
}
