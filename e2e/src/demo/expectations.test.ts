import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type OutputExpectation, outputMismatches } from './expectations.js';
import type { OutputProbe } from './probe-output.js';

const PROBE: OutputProbe = {
  durationSec: 10.2,
  videoCodec: 'h264',
  width: 1280,
  height: 720,
  fps: 30,
  audioCodec: 'aac',
  sampleRate: 44_100,
  channels: 2,
  meanVolumeDb: -16,
};

describe('outputMismatches', () => {
  const cases: Array<{ name: string; input: OutputExpectation; want: string[] }> = [
    {
      name: 'is empty when everything matches',
      input: {
        videoCodec: 'h264',
        audioCodec: 'aac',
        width: 1280,
        height: 720,
        fps: [24, 31],
        durationSec: [9, 11],
        minMeanVolumeDb: -50,
      },
      want: [],
    },
    {
      name: 'names a wrong codec',
      input: { videoCodec: 'vp8' },
      want: ['videoCodec h264, want vp8'],
    },
    { name: 'names a wrong height', input: { height: 1080 }, want: ['height 720, want 1080'] },
    {
      name: 'names a duration out of range',
      input: { durationSec: [4, 6] },
      want: ['duration 10.20, want 4–6'],
    },
    {
      name: 'names a quiet track',
      input: { minMeanVolumeDb: -10 },
      want: ['mean volume -16 dB, want above -10 dB'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(outputMismatches(PROBE, c.input), c.want);
    });
  }

  it('names a missing stream', () => {
    assert.deepEqual(outputMismatches({ durationSec: 1 }, { audioCodec: 'aac', fps: [24, 31] }), [
      'audioCodec undefined, want aac',
      'fps missing, want 24–31',
    ]);
  });
});
