import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { EgressInfo } from 'livekit-server-sdk';
import type { EgressStack } from './demo/egress-stack.js';
import { statusName } from './demo/egress-watch.js';
import { outputMismatches } from './demo/expectations.js';
import { frameLumaDeviation, type OutputProbe, probeOutput } from './demo/probe-output.js';
import { skipWithoutTestNetwork } from './test-env.js';
import {
  assertListedComplete,
  recordRoomCompositeMp4,
  startTestStack,
  type TestStack,
} from './test-stack.js';

// The README's main job, shorter: the test SFU with two bots, the bridge and the composite worker
// as child processes (their builds, as `bash scripts/test` makes them), a room composite
// requested with livekit-server-sdk's EgressClient against the bridge's Twirp door, ~5 s of
// recording, stop, and the MP4 checked with ffprobe/ffmpeg. Run with
// `bash scripts/test e2e/src/room-composite.test.ts` (namespace, Redis, Xvfb, PulseAudio).
const RECORD_SEC = 5;
const ROOM = 'e2e-room-composite';
// Its own Redis database, so no other test's worker on the shared Redis takes the job.
const REDIS_DB = 11;

describe('room composite through the Twirp door', { skip: skipWithoutTestNetwork() }, () => {
  let testStack: TestStack | undefined;
  let outputDir: string;
  let stack: EgressStack | undefined;
  let egressId = '';
  let ended: EgressInfo;
  let recordedSec = 0;
  let probe: OutputProbe;
  let filePath = '';

  before(async () => {
    testStack = await startTestStack({
      redisDb: REDIS_DB,
      room: ROOM,
      workers: ['composite-worker'],
      bots: [
        { identity: 'alice', kind: 'audio-video', toneHz: 440 },
        { identity: 'bob', kind: 'audio-video', toneHz: 660 },
      ],
    });
    ({ stack, outputDir } = testStack);
    ({ ended, recordedSec } = await recordRoomCompositeMp4(stack, ROOM, {
      filepath: 'room.mp4',
      seconds: RECORD_SEC,
    }));
    egressId = ended.egressId;
    filePath = ended.fileResults[0]?.location ?? '';
    probe = await probeOutput(filePath);
  });

  after(async () => {
    // Failing runs show what the services said.
    await testStack?.close(!ended);
  });

  it('ends COMPLETE with the MP4 written under local_output_dir', async () => {
    assert.equal(statusName(ended.status), 'EGRESS_COMPLETE', ended.error);
    assert.ok(filePath.startsWith(outputDir), `location ${filePath} not under ${outputDir}`);
    assert.ok((await stat(filePath)).size > 10_000);
    assert.ok((ended.fileResults[0]?.size ?? 0n) > 0n);
  });

  it('records h264 and aac at the preset size', () => {
    assert.deepEqual(
      outputMismatches(probe, { videoCodec: 'h264', audioCodec: 'aac', width: 1280, height: 720 }),
      [],
    );
  });

  it('lasts as long as it was active, within 1.5 s', () => {
    assert.ok(
      Math.abs(probe.durationSec - recordedSec) <= 1.5,
      `file ${probe.durationSec} s, active ${recordedSec.toFixed(2)} s`,
    );
  });

  it('carries the bots tones (mean volume above -50 dB)', () => {
    assert.deepEqual(outputMismatches(probe, { minMeanVolumeDb: -50 }), []);
  });

  it('shows the participants, not only the background', async () => {
    const deviation = await frameLumaDeviation(filePath, probe.durationSec / 2);
    assert.ok(deviation > 5, `frame luma standard deviation ${deviation}`);
  });

  it('is listed COMPLETE by room after it ended', () =>
    assertListedComplete(stack, ROOM, egressId));
});
