import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SegmentedFileSuffix } from '@livekit/protocol';
import type { NamingVars } from './naming-vars.js';
import { NON_RETRYABLE_OUTPUT_MESSAGE } from './non-retryable-output-error.js';
import { segmentOutputNames } from './segment-output-names.js';

process.env.TZ = 'UTC';
const NOW = new Date(Date.UTC(2024, 2, 5, 14, 7, 9, 42));
const TIME = '2024-03-05T140709';
const ROOM: NamingVars = { roomName: 'my-room', roomId: 'RM_abc' };

interface Input {
  prefix?: string;
  playlist?: string;
  live?: string;
  vars?: NamingVars;
}
interface Names {
  storageDir: string;
  playlistName: string;
  livePlaylistName: string;
  segmentPrefix: string;
}
type Want = Names | { code: string; message: string | RegExp };

function names(input: Input, suffix = SegmentedFileSuffix.INDEX) {
  return segmentOutputNames({
    output: {
      filenamePrefix: input.prefix ?? '',
      playlistName: input.playlist ?? '',
      livePlaylistName: input.live ?? '',
      filenameSuffix: suffix,
    },
    identifier: 'my-room',
    vars: input.vars ?? ROOM,
    now: NOW,
  });
}

function want(
  storageDir: string,
  playlistName: string,
  livePlaylistName: string,
  segmentPrefix: string,
): Names {
  return { storageDir, playlistName, livePlaylistName, segmentPrefix };
}

describe('segmentOutputNames', () => {
  const cases: { name: string; input: Input; want: Want }[] = [
    // Go config_test.go TestSegmentNaming, re-derived
    {
      name: 'derives the prefix from the playlist name',
      input: { playlist: 'playlist' },
      want: want('', 'playlist.m3u8', '', 'playlist'),
    },
    {
      name: 'puts playlist and live playlist in the playlist folder',
      input: { playlist: 'conf_test/playlist', live: 'conf_test/live_playlist' },
      want: want('conf_test/', 'playlist.m3u8', 'live_playlist.m3u8', 'playlist'),
    },
    {
      name: 'derives the playlist name from the prefix and keeps the live extension',
      input: { prefix: 'filename', live: 'live_playlist2.m3u8' },
      want: want('', 'filename.m3u8', 'live_playlist2.m3u8', 'filename'),
    },
    {
      name: 'keeps a prefix and a playlist name that differ',
      input: { prefix: 'filename', playlist: 'playlist' },
      want: want('', 'playlist.m3u8', '', 'filename'),
    },
    {
      name: 'names the playlist after the prefix when the playlist is only a folder',
      input: { prefix: 'filename', playlist: 'conf_test/' },
      want: want('conf_test/', 'filename.m3u8', '', 'filename'),
    },
    {
      name: 'stores segments in the playlist folder',
      input: { prefix: 'filename', playlist: 'conf_test/playlist' },
      want: want('conf_test/', 'playlist.m3u8', '', 'filename'),
    },
    {
      name: 'takes the folder from a prefix that is only a folder',
      input: { prefix: 'conf_test/', playlist: 'playlist' },
      want: want('conf_test/', 'playlist.m3u8', '', 'playlist'),
    },
    {
      name: 'takes the storage folder from the prefix when the playlist has none',
      input: { prefix: 'conf_test/filename', playlist: 'playlist' },
      want: want('conf_test/', 'playlist.m3u8', '', 'filename'),
    },
    {
      name: 'drops the prefix folder when it is the playlist folder',
      input: { prefix: 'conf_test/filename', playlist: 'conf_test/playlist' },
      want: want('conf_test/', 'playlist.m3u8', '', 'filename'),
    },
    {
      name: 'keeps a prefix folder that differs from the playlist folder, under it',
      input: { prefix: 'conf_test_2/filename', playlist: 'conf_test/playlist' },
      want: want('conf_test/', 'playlist.m3u8', '', 'conf_test_2/filename'),
    },
    // defaults and extensions
    {
      name: 'generates <identifier>-<time> when nothing is given',
      input: {},
      want: want('', `my-room-${TIME}.m3u8`, '', `my-room-${TIME}`),
    },
    {
      name: 'adds the retry count to generated names on a retry',
      input: { vars: { ...ROOM, retryCount: 3 } },
      want: want('', `my-room-${TIME}-3.m3u8`, '', `my-room-${TIME}-3`),
    },
    {
      name: 'keeps an unknown extension in the playlist name (Go cuts it)',
      input: { playlist: 'my.recording' },
      want: want('', 'my.recording.m3u8', '', 'my.recording'),
    },
    {
      name: 'removes a known extension of another kind from the playlist name',
      input: { playlist: 'hls/index.mp4' },
      want: want('hls/', 'index.m3u8', '', 'index'),
    },
    {
      name: 'strips leading ../ from every field',
      input: { prefix: '../../seg', playlist: '../../../pl', live: '../live' },
      want: want('', 'pl.m3u8', 'live.m3u8', 'seg'),
    },
    {
      name: 'expands placeholders in every field',
      input: { prefix: '{room_name}/s-{utc}', playlist: '{room_name}/p', live: 'l-{room_id}' },
      want: want('my-room/', 'p.m3u8', 'l-RM_abc.m3u8', 's-20240305140709042'),
    },
    {
      name: 'keeps a hostile room name inside one segment',
      input: { playlist: '{room_name}/pl', vars: { roomName: '../../etc', roomId: '' } },
      want: want('.._.._etc/', 'pl.m3u8', '', 'pl'),
    },
    // errors
    {
      name: 'rejects a live playlist in another folder',
      input: { playlist: 'a/pl', live: 'b/live' },
      want: {
        code: 'invalid_argument',
        message:
          'request has missing or invalid field: live_playlist_name must be in same directory as playlist_name',
      },
    },
    {
      name: 'rejects a live playlist named like the playlist',
      input: { playlist: 'a/pl.m3u8', live: 'a/pl' },
      want: {
        code: 'invalid_argument',
        message:
          'request has missing or invalid field: live_playlist_name cannot be identical to playlist_name',
      },
    },
    {
      name: 'rejects a newline in the prefix',
      input: { prefix: 'seg\n#EXT-X-ENDLIST' },
      want: { code: 'invalid_argument', message: /^filename_prefix contains a control character/ },
    },
    // retry safety (Go retry_test.go)
    {
      name: 'accepts {retry} in the prefix on a retry',
      input: {
        prefix: 'segments/my-stream-{retry}',
        playlist: 'segments/playlist',
        vars: { ...ROOM, retryCount: 1 },
      },
      want: want('segments/', 'playlist.m3u8', '', 'my-stream-1'),
    },
    {
      name: 'accepts {retry} in both on a retry',
      input: {
        prefix: 'segments/s-{retry}',
        playlist: 'segments/p-{retry}',
        vars: { ...ROOM, retryCount: 1 },
      },
      want: want('segments/', 'p-1.m3u8', '', 's-1'),
    },
    {
      name: 'accepts {retry} in the playlist when the prefix derives from it',
      input: { playlist: 'segments/playlist-{retry}', vars: { ...ROOM, retryCount: 1 } },
      want: want('segments/', 'playlist-1.m3u8', '', 'playlist-1'),
    },
    {
      name: 'rejects {retry} only in the playlist when the prefix is explicit',
      input: {
        prefix: 'segments/my-stream',
        playlist: 'segments/playlist-{retry}',
        vars: { ...ROOM, retryCount: 1 },
      },
      want: { code: 'failed_precondition', message: NON_RETRYABLE_OUTPUT_MESSAGE },
    },
    {
      name: 'rejects an explicit prefix without {retry} on a retry',
      input: { prefix: 'segments/my-stream', vars: { ...ROOM, retryCount: 1 } },
      want: { code: 'failed_precondition', message: NON_RETRYABLE_OUTPUT_MESSAGE },
    },
    {
      name: 'rejects an explicit playlist without {retry} on a retry',
      input: { playlist: 'segments/playlist', vars: { ...ROOM, retryCount: 1 } },
      want: { code: 'failed_precondition', message: NON_RETRYABLE_OUTPUT_MESSAGE },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if ('code' in c.want) {
        assert.throws(() => names(c.input), { code: c.want.code, message: c.want.message });
        return;
      }
      const got = names(c.input);
      assert.deepEqual(
        {
          storageDir: got.storageDir,
          playlistName: got.playlistName,
          livePlaylistName: got.livePlaylistName,
          segmentPrefix: got.segmentPrefix,
        },
        c.want,
      );
    });
  }

  it('joins the folder and the playlist names for SegmentsInfo', () => {
    const got = names({ playlist: 'hls/pl', live: 'live' });
    assert.equal(got.playlistPath, 'hls/pl.m3u8');
    assert.equal(got.livePlaylistPath, 'hls/live.m3u8');
    assert.equal(names({}).livePlaylistPath, '');
  });

  it('names INDEX segments <prefix>_%05d.ts', () => {
    const got = names({ prefix: 'sub/seg', playlist: 'hls/pl' });
    assert.equal(got.segmentPattern, 'sub/seg_%05d.ts');
    assert.equal(got.segmentName(0, NOW), 'sub/seg_00000.ts');
    assert.equal(got.segmentName(42, NOW), 'sub/seg_00042.ts');
    assert.equal(got.segmentName(123456, NOW), 'sub/seg_123456.ts');
  });

  it('names TIMESTAMP segments <prefix>_<YYYYMMDDhhmmss><ms>.ts in UTC', () => {
    const got = names({ prefix: 'seg' }, SegmentedFileSuffix.TIMESTAMP);
    assert.equal(
      got.segmentName(7, new Date(Date.UTC(2024, 11, 31, 23, 59, 58, 5))),
      'seg_20241231235958005.ts',
    );
  });

  it('escapes % in the GStreamer pattern but not in segment names', () => {
    const got = names({ prefix: '100%s' });
    assert.equal(got.segmentPattern, '100%%s_%05d.ts');
    assert.equal(got.segmentName(1, NOW), '100%s_00001.ts');
  });

  it('rejects a negative segment index', () => {
    assert.throws(() => names({}).segmentName(-1, NOW), { code: 'internal' });
  });
});
