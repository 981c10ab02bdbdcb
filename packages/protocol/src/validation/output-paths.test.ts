import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EncodedFileOutput,
  EncodedFileType,
  RoomCompositeEgressRequest,
  SegmentedFileOutput,
} from '@livekit/protocol';
import { EgressError } from '../errors.js';
import { fileOutputName } from '../naming/file-output-name.js';
import type { NamingVars } from '../naming/naming-vars.js';
import { segmentOutputNames } from '../naming/segment-output-names.js';
import { validateRequest } from './validate-request.js';

process.env.TZ = 'UTC';
const NOW = new Date(Date.UTC(2024, 2, 5, 14, 7, 9, 42));
const TIME = '2024-03-05T140709';

interface SegmentPaths {
  prefix?: string;
  playlist?: string;
  live?: string;
}
type Input = { retryCount?: number } & ({ filepath: string } | { segments: SegmentPaths });
/** What both answer: naming's names (validation only accepts), or the error both throw. */
type Want =
  | { name: string }
  | { playlist: string; live: string; storageDir: string }
  | { code: string; message: RegExp };

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof EgressError)) throw err;
    return err;
  }
}

function validated(input: Input): unknown {
  const request = new RoomCompositeEgressRequest({ roomName: 'my-room' });
  if ('filepath' in input) {
    request.fileOutputs = [
      new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: input.filepath }),
    ];
  } else {
    request.segmentOutputs = [
      new SegmentedFileOutput({
        filenamePrefix: input.segments.prefix ?? '',
        playlistName: input.segments.playlist ?? '',
        livePlaylistName: input.segments.live ?? '',
      }),
    ];
  }
  const retryCount = input.retryCount ?? 0;
  return outcome(() => validateRequest({ case: 'roomComposite', value: request }, { retryCount }));
}

function named(input: Input): unknown {
  const vars: NamingVars = { roomName: 'my-room', roomId: 'RM_abc' };
  if (input.retryCount) vars.retryCount = input.retryCount;
  const identifier = 'my-room';
  return outcome(() => {
    if ('filepath' in input) {
      const name = fileOutputName({
        filepath: input.filepath,
        fileType: 'mp4',
        identifier,
        vars,
        now: NOW,
      });
      return { name };
    }
    const names = segmentOutputNames({
      output: {
        filenamePrefix: input.segments.prefix ?? '',
        playlistName: input.segments.playlist ?? '',
        livePlaylistName: input.segments.live ?? '',
        filenameSuffix: 0,
      },
      identifier,
      vars,
      now: NOW,
    });
    return {
      playlist: names.playlistName,
      live: names.livePlaylistName,
      storageDir: names.storageDir,
    };
  });
}

describe('validation and naming agree on an output path', () => {
  const cases: { name: string; input: Input; want: Want }[] = [
    {
      name: 'reads a trailing backslash as a folder, so a retry generates the file name',
      input: { filepath: 'recordings\\', retryCount: 1 },
      want: { name: `recordings/my-room-${TIME}-1.mp4` },
    },
    {
      name: 'strips a leading ..\\ as it strips ../',
      input: { filepath: '..\\..\\x.mp4' },
      want: { name: 'x.mp4' },
    },
    {
      name: 'takes a live playlist written with a backslash as in the playlist folder',
      input: { segments: { playlist: 'hls\\index.m3u8', live: 'hls/live.m3u8' } },
      want: { playlist: 'index.m3u8', live: 'live.m3u8', storageDir: 'hls/' },
    },
    {
      name: 'refuses a live playlist in another folder, backslashes read as separators',
      input: { segments: { playlist: 'hls\\index.m3u8', live: 'other\\live.m3u8' } },
      want: { code: 'invalid_argument', message: /must be in same directory/ },
    },
    {
      name: 'replaces an upper-case known extension of a file',
      input: { filepath: 'clip.MP4' },
      want: { name: 'clip.mp4' },
    },
    {
      name: 'cuts an upper-case known extension from playlist names',
      input: { segments: { playlist: 'a.M3U8', live: 'b.M3U8' } },
      want: { playlist: 'a.m3u8', live: 'b.m3u8', storageDir: '' },
    },
    {
      name: 'refuses a live playlist that differs from the playlist only in extension case',
      input: { segments: { playlist: 'index.M3U8', live: 'index.m3u8' } },
      want: { code: 'invalid_argument', message: /cannot be identical/ },
    },
    {
      name: 'refuses a control character in a file path',
      input: { filepath: 'a\nb.mp4' },
      want: { code: 'invalid_argument', message: /control character/ },
    },
    {
      name: 'refuses a control character in a playlist name',
      input: { segments: { playlist: 'in\u0007dex.m3u8' } },
      want: { code: 'invalid_argument', message: /control character/ },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const fromValidation = validated(c.input);
      const fromNaming = named(c.input);
      if ('code' in c.want) {
        for (const [who, got] of [
          ['validation', fromValidation],
          ['naming', fromNaming],
        ] as const) {
          assert.ok(got instanceof EgressError, `${who} should refuse the path`);
          assert.equal(got.code, c.want.code, who);
          assert.match(got.message, c.want.message, who);
        }
        return;
      }
      assert.ok(!(fromValidation instanceof EgressError), `validation refused: ${fromValidation}`);
      assert.deepEqual(fromNaming, c.want);
    });
  }
});
