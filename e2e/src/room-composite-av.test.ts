import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AvSync, avSyncProblems, measureAvSync } from '@egress/media/testing';
import { EgressStatus } from 'livekit-server-sdk';
import { RecordingClock, statusName, waitForEgress } from './demo/egress-watch.js';
import { skipWithoutTestNetwork } from './test-env.js';
import { startRoomCompositeMp4, startTestStack, type TestStack } from './test-stack.js';

// Lip sync of the main job: the sync bot (a beep and a white frame at the start of every second)
// alone in a room, recorded by a room composite through the Twirp door (Chromium plays the room,
// GStreamer captures the screen and PulseAudio), and the MP4 measured beep by beep. The bounds
// are loose on purpose (a correctness check on a busy 2-core machine); the tight figures of the
// lip sync issue come from `bench/composite-av.ts`. Before the fix (composite worker README, "Lip
// sync") beeps came ~0.95 s apart and pairs spread over ±500 ms.
const RECORD_SEC = 15;
const ROOM = 'e2e-room-composite-av';
const REDIS_DB = 25;

describe('room composite lip sync (sync bot)', { skip: skipWithoutTestNetwork() }, () => {
  let testStack: TestStack | undefined;
  let sync: AvSync | undefined;
  let status = '';

  before(async () => {
    testStack = await startTestStack({
      redisDb: REDIS_DB,
      room: ROOM,
      workers: ['composite-worker'],
      bots: [
        { identity: 'sync', kind: 'audio-video', isSyncSignal: true, width: 1280, height: 720 },
      ],
    });
    const { client } = testStack.stack;
    const started = await startRoomCompositeMp4(
      testStack.stack,
      ROOM,
      'av.mp4',
      'single-speaker-dark',
    );
    const clock = new RecordingClock();
    await waitForEgress(client, started.egressId, {
      until: (i) => i.status === EgressStatus.EGRESS_ACTIVE,
      deadlineMs: 90_000,
      onPoll: (i) => clock.observe(i),
    });
    while (clock.seconds(started.egressId) < RECORD_SEC) await sleep(100);
    await client.stopEgress(started.egressId);
    const ended = await waitForEgress(client, started.egressId, {
      until: (i) => i.status === EgressStatus.EGRESS_COMPLETE,
      deadlineMs: 90_000,
    });
    status = statusName(ended.status);
    const location = ended.fileResults[0]?.location;
    if (location) sync = await measureAvSync(location);
  });

  after(async () => {
    await testStack?.close(sync === undefined);
  });

  it('ends COMPLETE with a file to measure', () => {
    assert.equal(status, 'EGRESS_COMPLETE');
    assert.ok(sync);
  });

  it('keeps the audio at its pace: beeps 1 s ± 1 % apart', (t) => {
    assert.ok(sync);
    t.diagnostic(`beep gaps (ms): ${sync.beepGapsSec.map((g) => Math.round(g * 1000)).join(' ')}`);
    assert.deepEqual(avSyncProblems(sync, { minSignals: RECORD_SEC - 3, maxGapError: 0.01 }), []);
  });

  it('keeps every beep within 120 ms of its flash', (t) => {
    assert.ok(sync);
    const offsets = sync.pairOffsetsSec.map((o) => Math.round(o * 1000));
    t.diagnostic(
      `pair offsets (ms): ${offsets.join(' ')}; median ${Math.round(sync.medianOffsetSec * 1000)}`,
    );
    assert.deepEqual(
      avSyncProblems(sync, { minSignals: RECORD_SEC - 3, maxPairOffsetSec: 0.12 }),
      [],
    );
  });
});
