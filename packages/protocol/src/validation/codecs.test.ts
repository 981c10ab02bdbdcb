import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AudioCodecName, OutputFileType, VideoCodecName } from '../request-types.js';
import {
  fileTypeForTrackCodec,
  isCodecCompatible,
  type OutputContainer,
  selectDefaultFileType,
} from './codecs.js';

describe('isCodecCompatible', () => {
  const cases: {
    name: string;
    input: [OutputContainer, AudioCodecName | VideoCodecName];
    want: boolean;
  }[] = [
    { name: 'ogg carries opus', input: ['ogg', 'opus'], want: true },
    { name: 'ogg does not carry aac', input: ['ogg', 'aac'], want: false },
    { name: 'ogg does not carry h264', input: ['ogg', 'h264'], want: false },
    { name: 'mp4 carries aac', input: ['mp4', 'aac'], want: true },
    { name: 'mp4 carries opus', input: ['mp4', 'opus'], want: true },
    { name: 'mp4 carries h264', input: ['mp4', 'h264'], want: true },
    { name: 'mp4 does not carry vp8', input: ['mp4', 'vp8'], want: false },
    { name: 'mp3 carries mp3 only', input: ['mp3', 'aac'], want: false },
    { name: 'hls carries aac', input: ['hls', 'aac'], want: true },
    { name: 'hls does not carry opus', input: ['hls', 'opus'], want: false },
    { name: 'rtmp does not carry opus', input: ['rtmp', 'opus'], want: false },
    { name: 'rtmp does not carry mp3 (Go: aac only)', input: ['rtmp', 'mp3'], want: false },
    { name: 'srt does not carry opus (Go: aac only)', input: ['srt', 'opus'], want: false },
    { name: 'srt carries h264', input: ['srt', 'h264'], want: true },
    { name: 'webm carries vp9', input: ['webm', 'vp9'], want: true },
    { name: 'ivf does not carry opus', input: ['ivf', 'opus'], want: false },
    { name: 'websocket carries pcm', input: ['websocket', 'pcm'], want: true },
    { name: 'websocket does not carry h264', input: ['websocket', 'h264'], want: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isCodecCompatible(...c.input), c.want);
    });
  }
});

describe('selectDefaultFileType', () => {
  const cases: {
    name: string;
    input: [AudioCodecName[], VideoCodecName[]];
    want: OutputFileType | undefined;
  }[] = [
    { name: 'plain audio gives ogg', input: [['aac', 'opus', 'mp3'], []], want: 'ogg' },
    { name: 'aac audio gives mp4', input: [['aac'], []], want: 'mp4' },
    { name: 'mp3 audio gives mp3', input: [['mp3'], []], want: 'mp3' },
    { name: 'any video gives mp4', input: [['aac', 'opus'], ['h264']], want: 'mp4' },
    { name: 'video only gives mp4', input: [[], ['h264']], want: 'mp4' },
    { name: 'mp3 audio with video fits nothing', input: [['mp3'], ['h264']], want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(selectDefaultFileType(...c.input), c.want);
    });
  }
});

describe('fileTypeForTrackCodec', () => {
  const cases: { name: string; input: string; want: OutputFileType | undefined }[] = [
    { name: 'opus goes to ogg', input: 'audio/opus', want: 'ogg' },
    { name: 'pcmu goes to ogg', input: 'pcmu', want: 'ogg' },
    { name: 'h264 goes to mp4', input: 'video/H264', want: 'mp4' },
    { name: 'vp8 goes to webm', input: 'video/vp8', want: 'webm' },
    { name: 'vp9 goes to webm', input: 'vp9', want: 'webm' },
    { name: 'av1 has no file type', input: 'video/av1', want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(fileTypeForTrackCodec(c.input), c.want);
    });
  }
});
