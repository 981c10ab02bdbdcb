import { ImageFileSuffix, type ImageOutput } from '@livekit/protocol';
import { EgressError } from '../errors.js';
import { cleanOutputPath } from './clean-output-path.js';
import { defaultBaseName } from './default-base-name.js';
import { expandTemplate } from './expand-template.js';
import { formatUtcStamp } from './naming-time.js';
import type { NamingVars } from './naming-vars.js';
import { printfEscape } from './printf-escape.js';
import { splitPath } from './split-path.js';

/** Image outputs are JPEG only (Go `getMimeTypes`). */
const IMAGE_EXT = '.jpeg';

/** What {@link imageOutputNames} needs. */
export interface ImageOutputNamesInput {
  /** The requested image output (an `ImageOutput` fits). */
  output: Pick<ImageOutput, 'filenamePrefix' | 'filenameSuffix'>;
  /** Start of a generated prefix, from {@link outputIdentifier}. */
  identifier: string;
  /** Placeholder values. */
  vars: NamingVars;
  /** The time `{time}`, `{utc}` and a generated prefix stand for. */
  now: Date;
}

/** Where the images of one image output go, relative to the storage root. */
export interface ImageOutputNames {
  /** The prefix's folder, `''` or ending in `/`; images are stored under it. */
  storageDir: string;
  /** File name prefix without folder, e.g. `my-room-2024-03-05T140709`. */
  imagePrefix: string;
  /** `ImagesInfo.filenamePrefix`: the cleaned, expanded request prefix (`''` when none given). */
  infoFilenamePrefix: string;
  /** printf pattern for `multifilesink` in the local folder: `<prefix>_%05d.jpeg`, `%` escaped. */
  imagePattern: string;
  /**
   * The stored name of image `index` (from 0, as `multifilesink` counts) captured at `capturedAt`,
   * relative to `storageDir`: `<prefix>_00003.jpeg` (INDEX), `<prefix>_<YYYYMMDDhhmmss><ms>.jpeg`
   * in UTC (TIMESTAMP) or `<prefix>.jpeg` (NONE_OVERWRITE).
   */
  imageName: (index: number, capturedAt: Date) => string;
}

/**
 * Names of an image output (Go `updatePrefix` and the image sink, egress-go-behavior.md §3): the
 * prefix is cleaned and expanded, its folder is the storage folder, and an empty name becomes
 * `<identifier>-<time>[-<retry>]`. Go has no retry check for images: a generated prefix has the
 * retry count, an explicit one is reused.
 *
 * Differences from Go: `%` is escaped in `imagePattern`; TIMESTAMP names are in UTC; and those of
 * {@link expandTemplate} and {@link cleanOutputPath}.
 *
 * @throws `invalid_argument` (Go's `request has missing or invalid field: filename_suffix`) for a
 * suffix other than INDEX, TIMESTAMP or NONE_OVERWRITE; `invalid_argument` when the prefix holds
 * a control character.
 */
export function imageOutputNames(input: ImageOutputNamesInput): ImageOutputNames {
  const { output, identifier, vars, now } = input;
  const suffix = output.filenameSuffix;
  if (
    suffix !== ImageFileSuffix.IMAGE_SUFFIX_INDEX &&
    suffix !== ImageFileSuffix.IMAGE_SUFFIX_TIMESTAMP &&
    suffix !== ImageFileSuffix.IMAGE_SUFFIX_NONE_OVERWRITE
  ) {
    throw EgressError.invalidArgument('request has missing or invalid field: filename_suffix');
  }

  const template = cleanOutputPath(output.filenamePrefix, 'filename_prefix');
  const expanded = cleanOutputPath(expandTemplate(template, vars, now), 'filename_prefix');
  const [storageDir, name] = splitPath(expanded);
  const prefix = name === '' ? defaultBaseName(identifier, vars, now) : name;

  return {
    storageDir,
    imagePrefix: prefix,
    infoFilenamePrefix: expanded,
    imagePattern: `${printfEscape(prefix)}_%05d${IMAGE_EXT}`,
    imageName: (index, capturedAt) => {
      switch (suffix) {
        case ImageFileSuffix.IMAGE_SUFFIX_TIMESTAMP:
          return `${prefix}_${formatUtcStamp(capturedAt)}${IMAGE_EXT}`;
        case ImageFileSuffix.IMAGE_SUFFIX_NONE_OVERWRITE:
          return `${prefix}${IMAGE_EXT}`;
        case ImageFileSuffix.IMAGE_SUFFIX_INDEX:
          if (!Number.isSafeInteger(index) || index < 0) {
            throw EgressError.internal('image index must be a non-negative integer');
          }
          return `${prefix}_${String(index).padStart(5, '0')}${IMAGE_EXT}`;
      }
    },
  };
}
