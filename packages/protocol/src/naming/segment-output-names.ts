import { posix } from 'node:path';
import { type SegmentedFileOutput, SegmentedFileSuffix } from '@livekit/protocol';
import { EgressError } from '../errors.js';
import { cleanOutputPath } from './clean-output-path.js';
import { defaultBaseName } from './default-base-name.js';
import { expandTemplate } from './expand-template.js';
import { formatUtcStamp } from './naming-time.js';
import type { NamingVars } from './naming-vars.js';
import { printfEscape } from './printf-escape.js';
import { assertRetrySafeSegments } from './retry-safe-paths.js';
import { splitPath } from './split-path.js';
import { stripKnownExtension } from './strip-known-extension.js';

const PLAYLIST_EXT = '.m3u8';
const SEGMENT_EXT = '.ts';

/** What {@link segmentOutputNames} needs. */
export interface SegmentOutputNamesInput {
  /** The requested segment output (a `SegmentedFileOutput` fits). */
  output: Pick<
    SegmentedFileOutput,
    'filenamePrefix' | 'playlistName' | 'livePlaylistName' | 'filenameSuffix'
  >;
  /** Start of a generated name, from {@link outputIdentifier}. */
  identifier: string;
  /** Placeholder values. */
  vars: NamingVars;
  /** The time `{time}`, `{utc}` and a generated name stand for. */
  now: Date;
}

/** Where the files of an HLS segment output go, all relative to the storage root. */
export interface SegmentOutputNames {
  /** The playlist's folder, `''` or ending in `/`; segments and playlists are stored under it. */
  storageDir: string;
  /** Playlist file name in `storageDir`, e.g. `my-room.m3u8`. */
  playlistName: string;
  /** Live playlist file name in `storageDir`; `''` when no live playlist was asked for. */
  livePlaylistName: string;
  /** `storageDir` + `playlistName`, joined: `SegmentsInfo.playlistName`. */
  playlistPath: string;
  /** `storageDir` + `livePlaylistName`, joined: `SegmentsInfo.livePlaylistName`; `''` when none. */
  livePlaylistPath: string;
  /** Segment name prefix relative to `storageDir`; may hold a sub-folder (`segs/part`). */
  segmentPrefix: string;
  /** INDEX-form printf pattern for GStreamer, `<prefix>_%05d.ts`, with `%` in the prefix escaped. */
  segmentPattern: string;
  /**
   * The name of segment `index` (from 0), relative to `storageDir`: `<prefix>_00042.ts`, or with
   * TIMESTAMP `<prefix>_<YYYYMMDDhhmmss><ms>.ts` (UTC) for the segment starting at `startedAt`.
   */
  segmentName: (index: number, startedAt: Date) => string;
}

function invalidInput(what: string): EgressError {
  // Go's ErrInvalidInput text
  return EgressError.invalidArgument(`request has missing or invalid field: ${what}`);
}

/**
 * Playlist, live playlist and segment names of an HLS output (Go `updatePrefixAndPlaylist`,
 * egress-go-behavior.md §3):
 * - prefix, playlist and live playlist are cleaned and expanded; a known extension is removed
 *   from the playlist names and `.m3u8` added;
 * - the playlist name defaults to the prefix's name, then to `<identifier>-<time>[-<retry>]`; the
 *   prefix defaults to the playlist name;
 * - the storage folder is the playlist's folder, or the prefix's when the playlist has none; a
 *   prefix folder that differs from a given playlist folder stays in the prefix, under it;
 * - the live playlist must be in the playlist's folder and have a different name.
 *
 * Differences from Go: only known extensions are removed from playlist names (`my.recording`
 * stays), see {@link stripKnownExtension}; `%` is escaped in `segmentPattern`; TIMESTAMP names
 * are in UTC; and those of {@link expandTemplate} and {@link cleanOutputPath}.
 *
 * @throws `invalid_argument` (Go's texts) when the live playlist is in another folder or has the
 * playlist's name, or a field holds a control character; `failed_precondition` (Go's `output
 * configuration does not support retry`) when a retried egress names its segments without
 * `{retry}`.
 */
export function segmentOutputNames(input: SegmentOutputNamesInput): SegmentOutputNames {
  const { output, identifier, vars, now } = input;
  const prefixTemplate = cleanOutputPath(output.filenamePrefix, 'filename_prefix');
  const playlistTemplate = cleanOutputPath(output.playlistName, 'playlist_name');
  const liveTemplate = cleanOutputPath(output.livePlaylistName, 'live_playlist_name');

  assertRetrySafeSegments(
    {
      prefix: { path: prefixTemplate, field: 'filename_prefix' },
      playlist: { path: playlistTemplate, field: 'playlist_name' },
    },
    vars.retryCount ?? 0,
  );

  const expand = (template: string, field: string) =>
    cleanOutputPath(expandTemplate(template, vars, now), field);
  let [playlistDir, playlistName] = splitPath(expand(playlistTemplate, 'playlist_name'));
  const [liveDir, liveName] = splitPath(expand(liveTemplate, 'live_playlist_name'));
  let [segmentDir, segmentPrefix] = splitPath(expand(prefixTemplate, 'filename_prefix'));

  if (liveDir !== '' && liveDir !== playlistDir) {
    throw invalidInput('live_playlist_name must be in same directory as playlist_name');
  }

  playlistName = stripKnownExtension(playlistName);
  const livePlaylistBase = stripKnownExtension(liveName);

  if (segmentDir !== '') {
    if (segmentDir === playlistDir) {
      segmentDir = '';
    } else if (playlistDir === '') {
      playlistDir = segmentDir;
      segmentDir = '';
    }
  }

  if (playlistName === '') {
    playlistName = segmentPrefix !== '' ? segmentPrefix : defaultBaseName(identifier, vars, now);
  }
  if (segmentPrefix === '') segmentPrefix = playlistName;

  const playlistFile = `${playlistName}${PLAYLIST_EXT}`;
  const livePlaylistFile = livePlaylistBase === '' ? '' : `${livePlaylistBase}${PLAYLIST_EXT}`;
  if (playlistFile === livePlaylistFile) {
    throw invalidInput('live_playlist_name cannot be identical to playlist_name');
  }

  const prefix = `${segmentDir}${segmentPrefix}`;
  const isTimestamp = output.filenameSuffix === SegmentedFileSuffix.TIMESTAMP;
  return {
    storageDir: playlistDir,
    playlistName: playlistFile,
    livePlaylistName: livePlaylistFile,
    playlistPath: posix.join(playlistDir, playlistFile),
    livePlaylistPath: livePlaylistFile === '' ? '' : posix.join(playlistDir, livePlaylistFile),
    segmentPrefix: prefix,
    segmentPattern: `${printfEscape(prefix)}_%05d${SEGMENT_EXT}`,
    segmentName: (index, startedAt) => {
      if (isTimestamp) return `${prefix}_${formatUtcStamp(startedAt)}${SEGMENT_EXT}`;
      if (!Number.isSafeInteger(index) || index < 0) {
        throw EgressError.internal('segment index must be a non-negative integer');
      }
      return `${prefix}_${String(index).padStart(5, '0')}${SEGMENT_EXT}`;
    },
  };
}
