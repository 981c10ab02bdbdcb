import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveLocalPath } from './local-path.js';

const BASE = '/var/egress/out';
type Want = { path: string } | { code: string; message: RegExp };

describe('resolveLocalPath', () => {
  const cases: { name: string; input: { base?: string; path: string }; want: Want }[] = [
    { name: 'joins a plain name', input: { path: 'a.mp4' }, want: { path: `${BASE}/a.mp4` } },
    {
      name: 'joins a nested path',
      input: { path: 'rooms/my-room/a.mp4' },
      want: { path: `${BASE}/rooms/my-room/a.mp4` },
    },
    { name: 'gives the base folder for an empty path', input: { path: '' }, want: { path: BASE } },
    {
      name: 'reads an absolute path as relative to the base',
      input: { path: '/etc/passwd' },
      want: { path: `${BASE}/etc/passwd` },
    },
    {
      name: 'drops . segments and repeated slashes',
      input: { path: './a//./b/' },
      want: { path: `${BASE}/a/b` },
    },
    {
      name: 'resolves .. that stays inside the base',
      input: { path: 'a/b/../c.mp4' },
      want: { path: `${BASE}/a/c.mp4` },
    },
    {
      name: 'normalises a base with a trailing slash and dots',
      input: { base: '/var/egress/./out/', path: 'x' },
      want: { path: `${BASE}/x` },
    },
    {
      name: 'keeps unicode, emoji and spaces',
      input: { path: 'réunion 🎥/会议 notes.mp4' },
      want: { path: `${BASE}/réunion 🎥/会议 notes.mp4` },
    },
    {
      name: 'keeps a name of three dots',
      input: { path: '...' },
      want: { path: `${BASE}/...` },
    },
    {
      name: 'accepts a 255-byte name',
      input: { path: 'a'.repeat(255) },
      want: { path: `${BASE}/${'a'.repeat(255)}` },
    },
    {
      name: 'rejects a leading ../',
      input: { path: '../x' },
      want: {
        code: 'invalid_argument',
        message: /leaves the output directory; remove its "\.\." segments/,
      },
    },
    {
      name: 'rejects .. that climbs above the base after normalising',
      input: { path: 'a/../../x' },
      want: { code: 'invalid_argument', message: /leaves the output directory/ },
    },
    {
      name: 'rejects ..\\ traversal',
      input: { path: '..\\..\\etc\\passwd' },
      want: { code: 'invalid_argument', message: /leaves the output directory/ },
    },
    {
      name: 'rejects an absolute path that climbs out',
      input: { path: '/../../etc/passwd' },
      want: { code: 'invalid_argument', message: /leaves the output directory/ },
    },
    {
      name: 'rejects a path of only ..',
      input: { path: '..' },
      want: { code: 'invalid_argument', message: /leaves the output directory/ },
    },
    {
      name: 'rejects a NUL byte',
      input: { path: 'a.mp4\0.txt' },
      want: { code: 'invalid_argument', message: /NUL byte; remove it/ },
    },
    {
      name: 'rejects a control character',
      input: { path: 'a\rb' },
      want: { code: 'invalid_argument', message: /control character \(U\+000D\)/ },
    },
    {
      name: 'rejects a 300-character name',
      input: { path: `dir/${'a'.repeat(300)}.mp4` },
      want: {
        code: 'invalid_argument',
        message: /is 304 bytes; shorten each file or folder name to at most 255 bytes/,
      },
    },
    {
      name: 'counts a name in UTF-8 bytes, not characters',
      input: { path: '🎥'.repeat(64) },
      want: { code: 'invalid_argument', message: /is 256 bytes/ },
    },
    {
      name: 'rejects a 10000-character name without echoing it whole',
      input: { path: 'x'.repeat(10_000) },
      want: { code: 'invalid_argument', message: /^output path name "x{40}\.\.\." is 10000 bytes/ },
    },
    {
      name: 'rejects a whole path over 4095 bytes',
      input: { path: Array.from({ length: 20 }, () => 'd'.repeat(250)).join('/') },
      want: {
        code: 'invalid_argument',
        message: /output path is 5035 bytes .*shorten it by at least 940 bytes/,
      },
    },
    {
      name: 'rejects a base folder that is not absolute',
      input: { base: 'relative/out', path: 'a' },
      want: { code: 'internal', message: /must be an absolute path/ },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = () => resolveLocalPath(c.input.base ?? BASE, c.input.path);
      if ('path' in c.want) {
        assert.equal(run(), c.want.path);
      } else {
        assert.throws(run, { code: c.want.code, message: c.want.message });
      }
    });
  }
});
