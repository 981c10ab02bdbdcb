import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeyframeStart } from './keyframe.js';

const cases: Array<{
  name: string;
  input: { mimeType: string; payload: number[] };
  want: boolean;
}> = [
  {
    name: 'VP8 key frame start',
    input: { mimeType: 'video/VP8', payload: [0x10, 0x00] },
    want: true,
  },
  {
    name: 'VP8 delta frame start',
    input: { mimeType: 'video/VP8', payload: [0x10, 0x01] },
    want: false,
  },
  {
    name: 'VP8 key frame with a 15-bit picture id',
    input: { mimeType: 'video/vp8', payload: [0x90, 0x80, 0x81, 0x23, 0x00] },
    want: true,
  },
  {
    name: 'VP8 continuation of a key frame',
    input: { mimeType: 'video/VP8', payload: [0x00, 0x00] },
    want: false,
  },
  { name: 'H264 SPS', input: { mimeType: 'video/H264', payload: [0x67, 0x42] }, want: true },
  {
    name: 'H264 STAP-A starting with SPS',
    input: { mimeType: 'video/H264', payload: [0x78, 0x00, 0x0a, 0x67, 0x42] },
    want: true,
  },
  { name: 'H264 IDR slice', input: { mimeType: 'video/H264', payload: [0x65, 0x88] }, want: true },
  {
    name: 'H264 first FU-A fragment of an IDR',
    input: { mimeType: 'video/H264', payload: [0x7c, 0x85] },
    want: true,
  },
  {
    name: 'H264 later FU-A fragment of an IDR',
    input: { mimeType: 'video/H264', payload: [0x7c, 0x05] },
    want: false,
  },
  {
    name: 'H264 non-IDR slice',
    input: { mimeType: 'video/H264', payload: [0x41, 0x9a] },
    want: false,
  },
  { name: 'Opus', input: { mimeType: 'audio/opus', payload: [0x10, 0x00] }, want: false },
  { name: 'empty payload', input: { mimeType: 'video/VP8', payload: [] }, want: false },
];

describe('isKeyframeStart', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isKeyframeStart(c.input.mimeType, Uint8Array.from(c.input.payload)), c.want);
    });
  }
});
