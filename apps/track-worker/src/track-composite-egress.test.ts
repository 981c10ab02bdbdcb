import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, mintEgressToken, newEgressId } from '@egress/protocol';
import { type Bot, startBot, startTestSfu, type TestSfu } from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';
import { measureAvOffset } from './testing/measure-av-offset.js';
import { mp4Outputs } from './testing/mp4-outputs.js';
import { probeVideoFile } from './testing/probe-video-file.js';
import { runTrackCompositeEgress } from './track-composite-egress.js';

const apiKey = 'track-composite-key';
const apiSecret = 'track-composite-secret-track-composite-0';
const logger = createLogger({
  service: 'track-worker-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});

describe('runTrackCompositeEgress', { timeout: 180_000 }, () => {
  let sfu: TestSfu;
  let dir: string;
  const bots: Bot[] = [];

  before(async () => {
    sfu = await startTestSfu({ apiKey, apiSecret });
    dir = await mkdtemp(join(tmpdir(), 'track-composite-'));
  });

  after(async () => {
    for (const bot of bots) await bot.leave();
    await sfu.close();
    await dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('records the sync bot to one MP4 with audio and video in step (a regression guard)', async () => {
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
    const token = await mintEgressToken({ apiKey, apiSecret, egressId, roomName: room });
    const localPath = join(dir, 'composite.mp4');
    const result = await runTrackCompositeEgress({
      wsUrl: sfu.url,
      token,
      audioTrackId: bot.publications.audio?.sid ?? '',
      videoTrackId: bot.publications.video?.sid ?? '',
      outputs: mp4Outputs(localPath, { width: 320, height: 240, fps: 30, bitrateKbps: 1000 }),
      logger,
      video: { width: 320, height: 240, fps: 30 },
      audio: true,
      onActive: () => {
        setTimeout(() => void bot.leave(), 6000);
      },
    });
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    const probe = await probeVideoFile(localPath);
    assert.equal(probe.codec, 'h264');
    const offset = await measureAvOffset(localPath);
    logger.info({ offset, probe }, 'av offset');
    assert.ok(offset.audioOnsetsSec.length >= 4, JSON.stringify(offset));
    assert.ok(offset.videoOnsetsSec.length >= 4, JSON.stringify(offset));
    // The target is 100 ms, not met reliably yet: 1, 31 and 103 ms alone, 175 ms with the
    // whole suite loading both cores (README). This only catches a broken clock (a lost or
    // doubled second) until audio frames carry capture times.
    assert.ok(Math.abs(offset.medianOffsetSec) <= 0.3, `A/V offset ${offset.medianOffsetSec} s`);
  });
});
