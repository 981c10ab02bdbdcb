import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutputFileType } from '../request-types.js';
import { fileOutputName } from './file-output-name.js';
import type { NamingVars } from './naming-vars.js';
import { NON_RETRYABLE_OUTPUT_MESSAGE } from './non-retryable-output-error.js';

process.env.TZ = 'UTC';
const NOW = new Date(Date.UTC(2024, 2, 5, 14, 7, 9, 42));
const TIME = '2024-03-05T140709';
const ROOM: NamingVars = { roomName: 'my-room', roomId: 'RM_abc' };

interface Input {
  filepath: string;
  fileType?: OutputFileType;
  identifier?: string;
  vars?: NamingVars;
}
type Want = { path: string } | { code: string; message: string | RegExp };

describe('fileOutputName', () => {
  const cases: { name: string; input: Input; want: Want }[] = [
    // Go updateFilepath rules
    {
      name: 'generates <identifier>-<time>.<ext> for an empty path',
      input: { filepath: '' },
      want: { path: `my-room-${TIME}.mp4` },
    },
    {
      name: 'generates the name inside a path that ends in /',
      input: { filepath: 'recordings/' },
      want: { path: `recordings/my-room-${TIME}.mp4` },
    },
    {
      name: 'uses "web" as identifier when there is no room',
      input: { filepath: '', identifier: 'web', vars: { roomName: '', roomId: '' } },
      want: { path: `web-${TIME}.mp4` },
    },
    {
      name: 'uses the participant identity as identifier',
      input: { filepath: 'p/', identifier: 'alice', fileType: 'ogg' },
      want: { path: `p/alice-${TIME}.ogg` },
    },
    {
      name: 'uses the track ID as identifier for a track egress',
      input: { filepath: '', identifier: 'TR_v1', fileType: 'webm' },
      want: { path: `TR_v1-${TIME}.webm` },
    },
    {
      name: 'keeps a path that already has the right extension',
      input: { filepath: 'recordings/my-file.mp4' },
      want: { path: 'recordings/my-file.mp4' },
    },
    {
      name: 'appends a missing extension',
      input: { filepath: 'recordings/my-file' },
      want: { path: 'recordings/my-file.mp4' },
    },
    {
      name: 'replaces a wrong known extension',
      input: { filepath: 'recordings/my-file.ogg' },
      want: { path: 'recordings/my-file.mp4' },
    },
    {
      name: 'replaces a known extension of another kind (.m3u8)',
      input: { filepath: 'a.m3u8', fileType: 'ivf' },
      want: { path: 'a.ivf' },
    },
    {
      name: 'keeps an unknown extension and appends the right one',
      input: { filepath: 'my.recording' },
      want: { path: 'my.recording.mp4' },
    },
    {
      name: 'replaces a known extension written in capitals (a difference from Go)',
      input: { filepath: 'clip.MP4' },
      want: { path: 'clip.mp4' },
    },
    {
      name: 'does not take a dot in a folder name for an extension',
      input: { filepath: 'v1.2/clip', fileType: 'mp3' },
      want: { path: 'v1.2/clip.mp3' },
    },
    // clean()
    {
      name: 'strips a leading ../',
      input: { filepath: '../x.mp4' },
      want: { path: 'x.mp4' },
    },
    {
      name: 'strips every leading ../',
      input: { filepath: '../../../../etc/cron.d/x' },
      want: { path: 'etc/cron.d/x.mp4' },
    },
    {
      name: 'strips ../ that normalising brings to the front',
      input: { filepath: 'a/../../b/./c.mp4' },
      want: { path: 'b/c.mp4' },
    },
    {
      name: 'strips a leading ./',
      input: { filepath: './a/./b' },
      want: { path: 'a/b.mp4' },
    },
    {
      name: 'reads backslashes as separators, so ..\\ cannot climb out',
      input: { filepath: '..\\..\\etc\\passwd' },
      want: { path: 'etc/passwd.mp4' },
    },
    {
      name: 'keeps a leading / as Go does (a storage key; local paths go through resolveLocalPath)',
      input: { filepath: '/etc/passwd' },
      want: { path: '/etc/passwd.mp4' },
    },
    {
      name: 'generates the name for a path of only ..',
      input: { filepath: '../..' },
      want: { path: `my-room-${TIME}.mp4` },
    },
    {
      name: 'generates the name for a path of only .',
      input: { filepath: '.' },
      want: { path: `my-room-${TIME}.mp4` },
    },
    {
      name: 'keeps a name of four dots as an ordinary name',
      input: { filepath: '....' },
      want: { path: '.....mp4' },
    },
    {
      name: 'collapses repeated slashes',
      input: { filepath: 'a//b///' },
      want: { path: `a/b/my-room-${TIME}.mp4` },
    },
    // templating
    {
      name: 'expands placeholders before adding the extension',
      input: { filepath: '{room_name}/{room_id}-{utc}' },
      want: { path: 'my-room/RM_abc-20240305140709042.mp4' },
    },
    {
      name: 'generates the name in a folder made of placeholders',
      input: { filepath: '{room_name}/{time}/' },
      want: { path: `my-room/${TIME}/my-room-${TIME}.mp4` },
    },
    {
      name: 'keeps a hostile room name inside one path segment',
      input: { filepath: 'out/{room_name}', vars: { roomName: '../../etc/passwd', roomId: '' } },
      want: { path: 'out/.._.._etc_passwd.mp4' },
    },
    {
      name: 'sanitizes a hostile identifier in a generated name',
      input: { filepath: 'out/', identifier: '../../x' },
      want: { path: `out/.._.._x-${TIME}.mp4` },
    },
    {
      name: 'cleans again when an empty value leaves ../ in front',
      input: { filepath: '..{room_id}/x', vars: { roomName: 'r', roomId: '' } },
      want: { path: 'x.mp4' },
    },
    {
      name: 'keeps unicode, emoji and spaces',
      input: { filepath: 'enregistrements/réunion 🎥 会议' },
      want: { path: 'enregistrements/réunion 🎥 会议.mp4' },
    },
    {
      name: 'keeps a 10000-character name (length is checked by resolveLocalPath)',
      input: { filepath: 'a'.repeat(10_000) },
      want: { path: `${'a'.repeat(10_000)}.mp4` },
    },
    // retry safety (Go retry_test.go)
    {
      name: 'accepts an explicit path on the first attempt',
      input: { filepath: 'recordings/my-file.mp4', vars: { ...ROOM, retryCount: 0 } },
      want: { path: 'recordings/my-file.mp4' },
    },
    {
      name: 'adds the retry count to a generated name on a retry',
      input: { filepath: '', vars: { ...ROOM, retryCount: 1 } },
      want: { path: `my-room-${TIME}-1.mp4` },
    },
    {
      name: 'adds the retry count to a generated name in a folder on a retry',
      input: { filepath: 'recordings/', vars: { ...ROOM, retryCount: 1 } },
      want: { path: `recordings/my-room-${TIME}-1.mp4` },
    },
    {
      name: 'expands {retry} on a retry',
      input: { filepath: 'recordings/my-file-{retry}.mp4', vars: { ...ROOM, retryCount: 2 } },
      want: { path: 'recordings/my-file-2.mp4' },
    },
    {
      name: 'accepts {retry} in the folder part on a retry',
      input: { filepath: 'recordings/{retry}/my-file.mp4', vars: { ...ROOM, retryCount: 1 } },
      want: { path: 'recordings/1/my-file.mp4' },
    },
    {
      name: 'expands {retry} to 0 on the first attempt (Go leaves it literal)',
      input: { filepath: 'recordings/my-file-{retry}.mp4' },
      want: { path: 'recordings/my-file-0.mp4' },
    },
    {
      name: 'rejects an explicit path without {retry} on a retry',
      input: { filepath: 'recordings/my-file.mp4', vars: { ...ROOM, retryCount: 1 } },
      want: { code: 'failed_precondition', message: NON_RETRYABLE_OUTPUT_MESSAGE },
    },
    {
      name: 'rejects an explicit path without {retry} on a second retry',
      input: { filepath: 'recordings/my-file.mp4', vars: { ...ROOM, retryCount: 2 } },
      want: { code: 'failed_precondition', message: NON_RETRYABLE_OUTPUT_MESSAGE },
    },
    // control characters
    {
      name: 'rejects a NUL byte in the path',
      input: { filepath: 'a\0b.mp4' },
      want: {
        code: 'invalid_argument',
        message: /filepath contains a control character \(U\+0000\)/,
      },
    },
    {
      name: 'rejects a newline in the path',
      input: { filepath: 'a\nb.mp4' },
      want: { code: 'invalid_argument', message: /U\+000A/ },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = () =>
        fileOutputName({
          filepath: c.input.filepath,
          fileType: c.input.fileType ?? 'mp4',
          identifier: c.input.identifier ?? 'my-room',
          vars: c.input.vars ?? ROOM,
          now: NOW,
        });
      if ('path' in c.want) {
        assert.equal(run(), c.want.path);
      } else {
        assert.throws(run, { code: c.want.code, message: c.want.message });
      }
    });
  }

  it('says in details how to make an output retryable', () => {
    assert.throws(
      () =>
        fileOutputName({
          filepath: 'a.mp4',
          fileType: 'mp4',
          identifier: 'r',
          vars: { ...ROOM, retryCount: 1 },
          now: NOW,
        }),
      (err: unknown) => {
        assert.ok(err instanceof Error && 'details' in err);
        assert.deepEqual(err.details, {
          field: 'filepath',
          fix: 'include {retry} in filepath, or leave it empty, so a retry does not overwrite the first attempt',
        });
        return true;
      },
    );
  });
});
