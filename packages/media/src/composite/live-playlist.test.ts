import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { livePlaylistFromMain } from './live-playlist.js';

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
