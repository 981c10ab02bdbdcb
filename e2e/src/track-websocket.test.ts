import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EgressInfo, EgressStatus } from 'livekit-server-sdk';
import type { EgressStack } from './demo/egress-stack.js';
import { RecordingClock, statusName, waitForEgress } from './demo/egress-watch.js';
import { outputMismatches } from './demo/expectations.js';
import { type PcmReceiver, type PcmSession, startPcmReceiver } from './demo/pcm-receiver.js';
import { type OutputProbe, probeOutput } from './demo/probe-output.js';
import { skipWithoutTestNetwork } from './test-env.js';
import { assertListedComplete, startTestStack, type TestStack } from './test-stack.js';

// The demo's audio track egress, shorter: the test SFU with a tone bot, the bridge and the track
// worker as child processes, startTrackEgress to a local WebSocket through the Twirp door,
// ~4 s, stop, and the received PCM checked. Run with
// `bash scripts/test e2e/src/track-websocket.test.ts` (namespace and Redis).
const RECORD_SEC = 4;
const ROOM = 'e2e-track-websocket';
// Its own Redis database, so no other test's worker on the shared Redis takes the job.
const REDIS_DB = 12;

describe('audio track egress to a websocket through the Twirp door', {
  skip: skipWithoutTestNetwork(),
}, () => {
  let testStack: TestStack | undefined;
  let stack: EgressStack | undefined;
  let receiver: PcmReceiver | undefined;
  let egressId = '';
  let ended: EgressInfo | undefined;
  let session: PcmSession;
  let recordedSec = 0;
  let probe: OutputProbe;

  before(async () => {
    receiver = await startPcmReceiver();
    testStack = await startTestStack({
      redisDb: REDIS_DB,
      room: ROOM,
      workers: ['track-worker'],
      bots: [{ identity: 'tone', kind: 'audio', toneHz: 440 }],
    });
    stack = testStack.stack;
    const trackSid = stack.bots[0]?.publications.audio?.sid ?? '';
    const { client } = stack;
    egressId = (await client.startTrackEgress(ROOM, receiver.url, trackSid)).egressId;
    const clock = new RecordingClock();
    await waitForEgress(client, egressId, {
      until: (i) => i.status === EgressStatus.EGRESS_ACTIVE,
      deadlineMs: 60_000,
      onPoll: (i) => clock.observe(i),
    });
    while (clock.seconds(egressId) < RECORD_SEC) await sleep(100);
    recordedSec = clock.seconds(egressId);
    await client.stopEgress(egressId);
    ended = await waitForEgress(client, egressId, {
      until: (i) => i.status === EgressStatus.EGRESS_COMPLETE,
      deadlineMs: 60_000,
    });
    session = await receiver.ended();
    const wav = join(testStack.outputDir, 'track.wav');
    await receiver.save(wav);
    probe = await probeOutput(wav);
  });

  after(async () => {
    await receiver?.close();
    await testStack?.close(!ended);
  });

  it('ends COMPLETE', () => {
    assert.ok(ended);
    assert.equal(statusName(ended.status), 'EGRESS_COMPLETE', ended.error);
  });

  it('dials with Content-Type audio/x-raw and closes with a close frame', () => {
    assert.equal(session.contentType, 'audio/x-raw');
    assert.equal(session.isClosedCleanly, true);
  });

  it('sends 48 kHz stereo PCM for as long as it was active, within 1.5 s', () => {
    assert.deepEqual(outputMismatches(probe, { sampleRate: 48_000, channels: 2 }), []);
    assert.ok(
      Math.abs(probe.durationSec - recordedSec) <= 1.5,
      `PCM ${probe.durationSec} s, active ${recordedSec.toFixed(2)} s`,
    );
  });

  it('carries the bot tone (mean volume above -50 dB)', () => {
    assert.deepEqual(outputMismatches(probe, { minMeanVolumeDb: -50 }), []);
  });

  it('is listed COMPLETE by room after it ended', () =>
    assertListedComplete(stack, ROOM, egressId));
});
