import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PcmTimeline } from './pcm-timeline.js';

// 20 ms of 48 kHz stereo: 960 samples per channel, 3840 bytes.
const frame = () => new Int16Array(960 * 2).fill(1000);
const sizes = (chunks: Buffer[]) => chunks.map((c) => c.length);

describe('PcmTimeline', () => {
  const cases = [
    {
      name: 'writes frames that arrive on time as they are',
      input: [20, 40, 60],
      want: { sizes: [[3840], [3840], [3840]], writtenMs: 60 },
    },
    {
      name: 'puts silence of the gap length before a frame after a gap',
      input: [20, 40, 440],
      // 440 ms expected, 40 ms written, the frame is 20 ms: 380 ms of silence first.
      want: { sizes: [[3840], [3840], [380 * 192, 3840]], writtenMs: 440 },
    },
    {
      name: 'tolerates late bursts below the gap limit without silence',
      input: [20, 300, 300, 300],
      want: { sizes: [[3840], [3840], [3840], [3840]], writtenMs: 80 },
    },
    {
      name: 'drops frames that would run more than the limit ahead of the clock',
      input: [
        20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20,
        20, 20, 20, 20,
      ],
      want: {
        sizes: [
          ...Array.from({ length: 6 }, () => [3840]),
          ...Array.from({ length: 21 }, () => []),
        ],
        writtenMs: 120,
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const timeline = new PcmTimeline(0);
      const got = c.input.map((atMs) => sizes(timeline.push(atMs, frame())));
      assert.deepEqual(got, c.want.sizes);
      assert.equal(timeline.writtenMs, c.want.writtenMs);
    });
  }

  it('fills silence up to now only after a gap longer than the limit', () => {
    const timeline = new PcmTimeline(1000);
    assert.deepEqual(sizes(timeline.fill(1250)), []);
    assert.deepEqual(sizes(timeline.fill(1400)), [400 * 192]);
    assert.equal(timeline.writtenMs, 400);
  });

  it('fills to the exact end when the output closes', () => {
    const timeline = new PcmTimeline(0);
    timeline.push(20, frame());
    assert.deepEqual(sizes(timeline.fill(50, true)), [30 * 192]);
    assert.equal(timeline.writtenMs, 50);
  });

  it('rejects a bad channel count', () => {
    assert.throws(() => new PcmTimeline(0, { channels: 0 }), /channels must be a positive/);
  });
});
