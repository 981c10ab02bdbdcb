import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { decodePng } from './decode-png.js';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A 2x2 RGB PNG whose rows use the given filter bytes over already-filtered data. */
function png(rows: number[][]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(rows.length, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows.flat()))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodePng', () => {
  const cases = [
    {
      name: 'reads unfiltered rows',
      input: [
        [0, 10, 20, 30, 40, 50, 60],
        [0, 1, 2, 3, 4, 5, 6],
      ],
      want: [10, 20, 30, 255, 40, 50, 60, 255, 1, 2, 3, 255, 4, 5, 6, 255],
    },
    {
      name: 'undoes the sub filter',
      input: [
        [1, 10, 20, 30, 5, 5, 5],
        [0, 0, 0, 0, 0, 0, 0],
      ],
      want: [10, 20, 30, 255, 15, 25, 35, 255, 0, 0, 0, 255, 0, 0, 0, 255],
    },
    {
      name: 'undoes the up filter',
      input: [
        [0, 10, 20, 30, 40, 50, 60],
        [2, 1, 1, 1, 2, 2, 2],
      ],
      want: [10, 20, 30, 255, 40, 50, 60, 255, 11, 21, 31, 255, 42, 52, 62, 255],
    },
    {
      name: 'undoes the average filter',
      input: [
        [0, 10, 20, 30, 40, 50, 60],
        [3, 0, 0, 0, 0, 0, 0],
      ],
      want: [10, 20, 30, 255, 40, 50, 60, 255, 5, 10, 15, 255, 22, 30, 37, 255],
    },
    {
      name: 'undoes the paeth filter',
      input: [
        [0, 10, 20, 30, 40, 50, 60],
        [4, 1, 1, 1, 1, 1, 1],
      ],
      want: [10, 20, 30, 255, 40, 50, 60, 255, 11, 21, 31, 255, 41, 51, 61, 255],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const image = decodePng(png(c.input));
      assert.equal(image.width, 2);
      assert.equal(image.height, 2);
      assert.deepEqual([...image.rgba], c.want);
    });
  }

  it('rejects data that is not a PNG', () => {
    assert.throws(() => decodePng(Buffer.from('hello world')), /not a PNG/);
  });
});
