import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AvSync, avSyncProblems, measureAvSync } from '@egress/media/testing';
import { statusName } from './demo/egress-watch.js';
import { skipWithoutTestNetwork } from './test-env.js';
import { recordRoomCompositeMp4, startTestStack, type TestStack } from './test-stack.js';

// Lip sync of the main job: the sync bot (a beep and a white frame at the start of every second)
// alone in a room, recorded by a room composite through the Twirp door (Chromium plays the room,
// GStreamer captures the screen and PulseAudio), and the MP4 measured beep by beep. The bounds
// are loose on purpose (a correctness check on a busy 2-core machine): NetEq still adapts to the
// jitter of the local SFU and bot once in a while (one gap 10–50 ms off, often when the bot's
// encoder steps up), which one allowed miss lets through, while the ~5 % pace error over many
// seconds and the jumps of the defect fail it. The bot sends 640x360 to keep that jitter low.
// The tight figures come from `bench/composite-av.ts`. Before the fix (composite worker README, "Lip
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
        { identity: 'sync', kind: 'audio-video', isSyncSignal: true, width: 640, height: 360 },
      ],
    });
    const { ended } = await recordRoomCompositeMp4(testStack.stack, ROOM, {
      filepath: 'av.mp4',
      seconds: RECORD_SEC,
      layout: 'single-speaker-dark',
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

  it('keeps the audio at its pace: beeps 1 s ± 2 % apart, one adaptation allowed', (t) => {
    assert.ok(sync);
    t.diagnostic(`beep gaps (ms): ${sync.beepGapsSec.map((g) => Math.round(g * 1000)).join(' ')}`);
    const bounds = { minSignals: RECORD_SEC - 3, maxGapError: 0.02, gapMissesAllowed: 1 };
    assert.deepEqual(avSyncProblems(sync, bounds), []);
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
