import type { OutputFileType } from '../request-types.js';
import { cleanOutputPath } from './clean-output-path.js';
import { defaultBaseName } from './default-base-name.js';
import { expandTemplate } from './expand-template.js';
import type { NamingVars } from './naming-vars.js';
import { assertRetrySafeFilepath } from './retry-safe-paths.js';
import { stripKnownExtension } from './strip-known-extension.js';

/** What {@link fileOutputName} needs. */
export interface FileOutputNameInput {
  /** `EncodedFileOutput.filepath` or `DirectFileOutput.filepath` as requested; may be `''`. */
  filepath: string;
  /** The container, once known (a DEFAULT file type is resolved from the codecs first). */
  fileType: OutputFileType;
  /** Start of a generated name, from {@link outputIdentifier}. */
  identifier: string;
  /** Placeholder values. */
  vars: NamingVars;
  /** The time `{time}`, `{utc}` and a generated name stand for. */
  now: Date;
}

/**
 * The storage path of a file output (Go `updateFilepath`, egress-go-behavior.md §3): the path is
 * cleaned (leading `../` and `./` stripped), placeholders are expanded, an empty path or one
 * ending in `/` becomes `<dir><identifier>-<time>[-<retry>].<ext>`, a wrong known extension is
 * replaced and a missing one appended (`my.recording` + mp4 gives `my.recording.mp4`).
 *
 * The result is a storage key, not a local path: it may start with `/`, as in Go. Local files go
 * through {@link resolveLocalPath}.
 *
 * Differences from Go: known extensions compare case-insensitively (`a.MP4` gives `a.mp4`), the
 * path is cleaned again after expansion so an empty value cannot leave `../` in front, plus those
 * of {@link expandTemplate} and {@link cleanOutputPath}.
 *
 * @throws `failed_precondition` (Go's `output configuration does not support retry`) when a
 * retried egress names its file without `{retry}`; `invalid_argument` when `filepath` holds a
 * control character.
 */
export function fileOutputName(input: FileOutputNameInput): string {
  const { fileType, identifier, vars, now } = input;
  const template = cleanOutputPath(input.filepath, 'filepath');
  assertRetrySafeFilepath(template, vars.retryCount ?? 0, 'filepath');

  const filepath = cleanOutputPath(expandTemplate(template, vars, now), 'filepath');
  const ext = `.${fileType}`;
  if (filepath === '' || filepath.endsWith('/')) {
    return `${filepath}${defaultBaseName(identifier, vars, now)}${ext}`;
  }
  if (filepath.endsWith(ext)) return filepath;
  return `${stripKnownExtension(filepath)}${ext}`;
}
