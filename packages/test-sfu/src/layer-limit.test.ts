import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackInfo, VideoLayer, VideoQuality } from '@livekit/protocol';
import { layerLimit } from './layer-limit.js';

const threeLayers = new TrackInfo({
  layers: [
    new VideoLayer({ quality: VideoQuality.HIGH, width: 1280, height: 720 }),
    new VideoLayer({ quality: VideoQuality.LOW, width: 320, height: 180 }),
    new VideoLayer({ quality: VideoQuality.MEDIUM, width: 640, height: 360 }),
  ],
});
const twoLayers = new TrackInfo({
  layers: [
    new VideoLayer({ quality: VideoQuality.LOW, width: 320, height: 180 }),
    new VideoLayer({ quality: VideoQuality.HIGH, width: 640, height: 360 }),
  ],
});

const cases = [
  {
    name: 'limits LOW to the lowest layer',
    input: { info: threeLayers, quality: VideoQuality.LOW, width: 0, height: 0 },
    want: 0,
  },
  {
    name: 'limits MEDIUM to the middle layer',
    input: { info: threeLayers, quality: VideoQuality.MEDIUM, width: 0, height: 0 },
    want: 1,
  },
  {
    name: 'lets HIGH have the top layer',
    input: { info: threeLayers, quality: VideoQuality.HIGH, width: 0, height: 0 },
    want: 2,
  },
  {
    name: 'limits MEDIUM to the lowest of two layers (LOW and HIGH)',
    input: { info: twoLayers, quality: VideoQuality.MEDIUM, width: 0, height: 0 },
    want: 0,
  },
  {
    name: 'keeps the lowest layer for OFF',
    input: { info: threeLayers, quality: VideoQuality.OFF, width: 0, height: 0 },
    want: 0,
  },
  {
    name: 'picks the smallest layer that covers the asked size',
    input: { info: threeLayers, quality: VideoQuality.HIGH, width: 400, height: 200 },
    want: 1,
  },
  {
    name: 'lifts the limit for a size larger than every layer',
    input: { info: threeLayers, quality: VideoQuality.LOW, width: 1920, height: 1080 },
    want: Number.POSITIVE_INFINITY,
  },
  {
    name: 'orders layers by quality when they all claim one size (rtc-node)',
    input: {
      info: new TrackInfo({
        layers: [
          new VideoLayer({ quality: VideoQuality.MEDIUM, width: 640, height: 360 }),
          new VideoLayer({ quality: VideoQuality.LOW, width: 640, height: 360 }),
        ],
      }),
      quality: VideoQuality.LOW,
      width: 0,
      height: 0,
    },
    want: 0,
  },
  {
    name: 'uses the quality as the rank without announced layers',
    input: { info: new TrackInfo(), quality: VideoQuality.MEDIUM, width: 0, height: 0 },
    want: 1,
  },
];

describe('layerLimit', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { info, ...settings } = c.input;
      assert.equal(layerLimit(info, settings), c.want);
    });
  }
});
