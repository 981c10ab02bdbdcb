import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, mintEgressToken, newEgressId } from '@egress/protocol';
import { type Bot, startBot, startTestSfu, type TestSfu } from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';
import type { AvEgressOptions } from './av-egress.js';
import { runParticipantEgress } from './participant-egress.js';
import { measureAvOffset } from './testing/measure-av-offset.js';
import { mp4Outputs } from './testing/mp4-outputs.js';
import { probeVideoFile } from './testing/probe-video-file.js';
import { streamCodecs } from './testing/stream-codecs.js';
import { runTrackCompositeEgress } from './track-composite-egress.js';

const apiKey = 'av-sync-key';
const apiSecret = 'av-sync-secret-av-sync-secret-av-sync-00';
const logger = createLogger({
  service: 'track-worker-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});
// Beyond ~100 ms viewers notice lip sync errors (ITU-R BT.1359: +45/-125 ms detectable).
const MAX_OFFSET_MS = 100;
// Fresh rooms to try: a stall of this shared machine can grow rtc-node's audio jitter buffer by
// hundreds of milliseconds within a second, faster than its stats let the recorder follow
// (README, A/V sync); a measurement spoilt that way is repeated, as e2e/test-sfu's av-sync does.
const ATTEMPTS = 3;
const RECORD_MS = 7000;

describe('A/V sync of SDK egress outputs (sync bot)', { timeout: 300_000 }, () => {
  let sfu: TestSfu;
  let dir: string;
  const bots: Bot[] = [];

  before(async () => {
    sfu = await startTestSfu({ apiKey, apiSecret });
    dir = await mkdtemp(join(tmpdir(), 'av-egress-sync-'));
  });

  after(async () => {
    for (const bot of bots) await bot.leave();
    await sfu.close();
    await dispose();
    await rm(dir, { recursive: true, force: true });
  });

  /** One recording of the sync bot in a fresh room: its A/V offset, and its length vs the wall. */
  async function recordSync(
    kind: 'track-composite' | 'participant',
  ): Promise<{ offsetMs: number; detail: string }> {
    const room = `room-${randomUUID()}`;
    const bot = await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'sync-bot',
      kind: 'audio-video',
      isSyncSignal: true,
    });
    bots.push(bot);
    const egressId = newEgressId();
    const localPath = join(dir, `${egressId}.mp4`);
    const common: AvEgressOptions = {
      wsUrl: sfu.url,
      token: await mintEgressToken({ apiKey, apiSecret, egressId, roomName: room }),
      outputs: mp4Outputs(localPath, { width: 320, height: 240, fps: 30, bitrateKbps: 1000 }),
      logger,
      video: { width: 320, height: 240, fps: 30 },
      audio: true,
      onActive: () => setTimeout(() => void bot.leave(), RECORD_MS),
    };
    const result =
      kind === 'participant'
        ? await runParticipantEgress({ ...common, identity: 'sync-bot', screenShare: false })
        : await runTrackCompositeEgress({
            ...common,
            audioTrackId: bot.publications.audio?.sid ?? '',
            videoTrackId: bot.publications.video?.sid ?? '',
          });
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return { offsetMs: Number.NaN, detail: '' };
    assert.deepEqual(await streamCodecs(localPath), { audio: 'aac', video: 'h264' });
    const probe = await probeVideoFile(localPath);
    // Output duration within 1 % of the recording's wall-clock time.
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    assert.ok(
      Math.abs(probe.durationSec - wallSec) <= wallSec * 0.01,
      JSON.stringify({ probe, wallSec }),
    );
    const offset = await measureAvOffset(localPath);
    const detail = JSON.stringify(offset);
    assert.ok(offset.audioOnsetsSec.length >= 4, `too few beeps: ${detail}`);
    assert.ok(offset.videoOnsetsSec.length >= 4, `too few flashes: ${detail}`);
    return { offsetMs: offset.medianOffsetSec * 1000, detail };
  }

  for (const kind of ['track-composite', 'participant'] as const) {
    it(`keeps the beeps and flashes within 100 ms of each other (${kind})`, async (t) => {
      const tried: string[] = [];
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const { offsetMs, detail } = await recordSync(kind);
        t.diagnostic(`attempt ${attempt}: median A/V offset ${Math.round(offsetMs)} ms`);
        tried.push(detail);
        if (Math.abs(offsetMs) <= MAX_OFFSET_MS) return;
      }
      assert.fail(`A/V offset above ${MAX_OFFSET_MS} ms in every room: ${tried.join('; ')}`);
    });
  }
});
