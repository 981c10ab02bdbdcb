import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StartRuleInput } from './start-rule.js';
import { shouldStartRecording } from './start-rule.js';

const base: StartRuleInput = {
  elapsedMs: 0,
  hasVideo: false,
  hasSubscribed: false,
  hasDecodedFrames: false,
};

describe('shouldStartRecording', () => {
  const cases: { name: string; input: Partial<StartRuleInput>; want: boolean }[] = [
    { name: 'waits in an empty room', input: { elapsedMs: 60_000 }, want: false },
    {
      name: 'starts as soon as a video frame is decoded',
      input: { hasVideo: true, hasSubscribed: true, hasDecodedFrames: true, elapsedMs: 100 },
      want: true,
    },
    {
      name: 'waits for frames while video is published',
      input: { hasVideo: true, hasSubscribed: true, elapsedMs: 4000 },
      want: false,
    },
    {
      name: 'starts without frames after 5 s if something is subscribed',
      input: { hasVideo: true, hasSubscribed: true, elapsedMs: 5001 },
      want: true,
    },
    {
      name: 'waits past 5 s while nothing is subscribed',
      input: { hasVideo: true, elapsedMs: 9000 },
      want: false,
    },
    {
      name: 'gives an audio-only room 500 ms for video to appear',
      input: { hasSubscribed: true, elapsedMs: 400 },
      want: false,
    },
    {
      name: 'starts an audio-only room after 500 ms',
      input: { hasSubscribed: true, elapsedMs: 600 },
      want: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(shouldStartRecording({ ...base, ...c.input }), c.want);
    });
  }
});
