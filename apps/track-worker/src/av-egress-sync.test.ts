import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { avSyncProblems, measureAvSync } from '@egress/media/testing';
import { dispose } from '@livekit/rtc-node';
import { probeVideoFile } from './testing/probe-video-file.js';
import { recordSyncBot } from './testing/record-sync-bot.js';
import { type SfuHarness, startSfuHarness } from './testing/sfu-harness.js';
import { streamCodecs } from './testing/stream-codecs.js';

// Every path that mixes a participant's audio with their video is measured as the room composite
// is (e2e/src/room-composite-av.test.ts), in one recording of the product, no retries: beeps
// 1 s ± 2 % apart and every beep within 120 ms of its flash. Small advance changes are slewed at
// 0.5 %, never a gap or a cut; two gaps may miss: NetEq adapting at the start, and a stall of
// this busy machine (a gap) with the advance's correction (a cut), as the README says.
const BOUNDS = { maxGapError: 0.02, gapMissesAllowed: 2, maxPairOffsetSec: 0.12 };
const RECORD_MS = 8000;

describe('A/V sync of SDK egress outputs (sync bot)', { timeout: 300_000 }, () => {
  let harness: SfuHarness;

  before(async () => {
    harness = await startSfuHarness('av-egress-sync');
  });

  after(async () => {
    await harness?.close();
    await dispose();
  });

  for (const kind of ['track-composite', 'participant', 'participant-mixed'] as const) {
    it(`keeps the beeps 1 s apart and each within 120 ms of its flash (${kind})`, async (t) => {
      const { result, localPath } = await recordSyncBot({
        ...harness,
        kind,
        recordMs: RECORD_MS,
        onBot: harness.keep,
      });
      assert.equal(result.status, 'complete', JSON.stringify(result));
      if (result.status !== 'complete') return;
      assert.deepEqual(await streamCodecs(localPath), { audio: 'aac', video: 'h264' });
      const probe = await probeVideoFile(localPath);
      // Output duration within 1 % of the recording's wall-clock time.
      const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
      assert.ok(
        Math.abs(probe.durationSec - wallSec) <= wallSec * 0.01,
        JSON.stringify({ probe, wallSec }),
      );
      const sync = await measureAvSync(localPath);
      const ms = (values: number[]) => values.map((v) => Math.round(v * 1000)).join(' ');
      t.diagnostic(`beep gaps (ms): ${ms(sync.beepGapsSec)}`);
      t.diagnostic(`pair offsets (ms): ${ms(sync.pairOffsetsSec)}`);
      const minSignals = Math.floor(RECORD_MS / 1000) - 3;
      assert.deepEqual(avSyncProblems(sync, { minSignals, ...BOUNDS }), []);
    });
  }
});
