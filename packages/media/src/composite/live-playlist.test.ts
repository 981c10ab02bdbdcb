import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventPlaylistHeader, livePlaylistFromMain, programDateTime } from './live-playlist.js';

const header = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:2\n\n';
function segments(n: number): string {
  return Array.from(
    { length: n },
    (_, i) => `#EXTINF:2,\nseg_${String(i).padStart(5, '0')}.ts\n`,
  ).join('');
}

describe('livePlaylistFromMain', () => {
  const cases = [
    {
      name: 'keeps the last five segments and moves the media sequence',
      input: { main: header + segments(7), window: 5 },
      want: {
        uris: ['seg_00002.ts', 'seg_00003.ts', 'seg_00004.ts', 'seg_00005.ts', 'seg_00006.ts'],
        sequence: 2,
        isEnded: false,
      },
    },
    {
      name: 'keeps every segment while there are fewer than the window',
      input: { main: header + segments(2), window: 5 },
      want: { uris: ['seg_00000.ts', 'seg_00001.ts'], sequence: 0, isEnded: false },
    },
    {
      name: 'ends the live playlist when the main one has ended',
      input: { main: `${header + segments(3)}#EXT-X-ENDLIST`, window: 2 },
      want: { uris: ['seg_00001.ts', 'seg_00002.ts'], sequence: 1, isEnded: true },
    },
    {
      name: 'writes a header and no segment for an empty playlist',
      input: { main: header, window: 5 },
      want: { uris: [], sequence: 0, isEnded: false },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const live = livePlaylistFromMain(c.input.main, c.input.window);
      const lines = live.trim().split('\n');
      assert.equal(lines[0], '#EXTM3U');
      assert.ok(lines.includes('#EXT-X-TARGETDURATION:2'));
      assert.deepEqual(
        lines.filter((l) => !l.startsWith('#')),
        c.want.uris,
      );
      assert.equal(lines.filter((l) => l.startsWith('#EXTINF')).length, c.want.uris.length);
      assert.ok(lines.includes(`#EXT-X-MEDIA-SEQUENCE:${c.want.sequence}`));
      assert.equal(lines.includes('#EXT-X-ENDLIST'), c.want.isEnded);
    });
  }
});

describe('livePlaylistFromMain with dated segments', () => {
  it('keeps each segment with its program date time, drops the playlist type', () => {
    const main = [
      ...eventPlaylistHeader(2),
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-26T05:00:00Z',
      '#EXTINF:2.000,',
      'seg_00000.ts',
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-26T05:00:02Z',
      '#EXTINF:2.000,',
      'seg_00001.ts',
      '#EXT-X-PROGRAM-DATE-TIME:2026-11-26T05:00:04.5Z',
      '#EXTINF:1.500,',
      'seg_00002.ts',
      '#EXT-X-ENDLIST',
    ].join('\n');
    assert.equal(
      livePlaylistFromMain(main, 2),
      [
        '#EXTM3U',
        '#EXT-X-VERSION:4',
        '#EXT-X-ALLOW-CACHE:NO',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:1',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-26T05:00:02Z',
        '#EXTINF:2.000,',
        'seg_00001.ts',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-26T05:00:04.5Z',
        '#EXTINF:1.500,',
        'seg_00002.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });
});

describe('programDateTime', () => {
  const cases = [
    {
      name: 'keeps three digits of milliseconds',
      input: 1795640400123,
      want: '2026-11-25T21:00:00.123Z',
    },
    {
      name: 'drops trailing zeros of milliseconds',
      input: 1795640400120,
      want: '2026-11-25T21:00:00.12Z',
    },
    {
      name: 'drops the fraction on a whole second',
      input: 1795640400000,
      want: '2026-11-25T21:00:00Z',
    },
    { name: 'keeps zeros of the seconds', input: 1795640410500, want: '2026-11-25T21:00:10.5Z' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(programDateTime(new Date(c.input)), c.want));
  }
});
