import { nonRetryableOutputError } from './non-retryable-output-error.js';

/**
 * Go's retry rule for a file output (pkg/config/output_file.go `getFileConfig`): from the first
 * retry on, an explicit path must hold `{retry}`, or the retry would overwrite the first
 * attempt's file. An empty path or a folder (ending in `/`) is fine: the generated name carries
 * the retry count.
 *
 * @param filepath - the path as `cleanOutputPath` returns it, placeholders not expanded
 * @param retryCount - how many times the egress was retried (0 the first time)
 * @param field - the request field, named in the error
 * @throws `failed_precondition` (Go's `output configuration does not support retry`).
 */
export function assertRetrySafeFilepath(filepath: string, retryCount: number, field: string): void {
  if (
    retryCount > 0 &&
    filepath !== '' &&
    !filepath.endsWith('/') &&
    !filepath.includes('{retry}')
  ) {
    throw nonRetryableOutputError(field);
  }
}

/**
 * Go's retry rule for an HLS output (pkg/config/output_segment.go `getSegmentConfig`): segments
 * are named `<prefix>_<index>.ts`, so from the first retry on a given prefix must hold `{retry}`,
 * and so must the playlist name when the prefix is empty (the prefix is derived from it). Both
 * empty is fine: the generated name carries the retry count.
 *
 * @param paths - prefix and playlist name as `cleanOutputPath` returns them, with the
 * request fields they came from
 * @param retryCount - how many times the egress was retried (0 the first time)
 * @throws `failed_precondition` (Go's `output configuration does not support retry`).
 */
export function assertRetrySafeSegments(
  paths: {
    prefix: { path: string; field: string };
    playlist: { path: string; field: string };
  },
  retryCount: number,
): void {
  if (retryCount === 0) return;
  const { prefix, playlist } = paths;
  if (prefix.path !== '' && !prefix.path.includes('{retry}')) {
    throw nonRetryableOutputError(prefix.field);
  }
  if (prefix.path === '' && playlist.path !== '' && !playlist.path.includes('{retry}')) {
    throw nonRetryableOutputError(playlist.field);
  }
}
