import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dispose } from '@livekit/rtc-node';
import { type Bot, startBot } from './bots/start-bot.js';
import { createTestToken, RtcNodeProbe } from './rtc-node-probe.js';
import { measureSyncOffsets, median } from './sync-offsets.js';
import { startTestSfu, type TestSfu } from './test-sfu.js';

const apiKey = 'test-key';
const apiSecret = 'test-secret-test-secret-test-secret-0123';
// Beyond ~100 ms viewers notice lip sync errors (ITU-R BT.1359 puts detectability at +45/-125 ms).
const MAX_OFFSET_MS = 100;

// What this measures: when an rtc-node subscriber presents each beep (audio playout, 10 ms pulls)
// and each flash (the render time libwebrtc stamps on decoded frames), on one monotonic clock.
// That is the offset a recording made from rtc-node (the track egress) would have, end to end:
// the bot's capture, encoding, the SFU's forwarding and both receive jitter buffers. The SFU gives
// audio and video different stream ids, as livekit-server does, so libwebrtc plays them without
// lip sync; the sender reports the SFU translates (unit-tested in werift-workarounds.test.ts) are
// what RTP-level receivers such as GStreamer's rtpbin use to align them.
describe('A/V sync through the test SFU', { timeout: 120_000 }, () => {
  let sfu: TestSfu;
  let bot: Bot | undefined;
  let probe: RtcNodeProbe | undefined;

  before(async () => {
    sfu = await startTestSfu({ apiKey, apiSecret });
  });

  after(async () => {
    await bot?.leave();
    await probe?.disconnect();
    await sfu.close();
    await dispose();
  });

  it("presents the sync signal's beeps and flashes within 100 ms of each other", async (t) => {
    const room = `room-${randomUUID()}`;
    probe = new RtcNodeProbe();
    await probe.connect(
      sfu.url,
      await createTestToken({ apiKey, apiSecret, room, identity: 'sub' }),
    );
    bot = await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'sync',
      kind: 'audio-video',
      isSyncSignal: true,
    });
    const audio = await probe.waitForTrack('sync', 'audio');
    const video = await probe.waitForTrack('sync', 'video');
    const got = await measureSyncOffsets(audio.track, video.track, 8000);
    // The bot runs in this process: its pulses are due on whole seconds after it started.
    const hrtimeMinusPerfMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
    const startMs = bot.signalStartedAtMs + hrtimeMinusPerfMs;
    const latency = (ms: number) =>
      Math.round(ms - startMs - Math.round((ms - startMs) / 1000) * 1000);
    const detail = JSON.stringify({
      audioLatencyMs: got.beepsMs.map(latency),
      videoLatencyMs: got.flashesMs.map(latency),
      offsetsMs: got.offsetsMs.map(Math.round),
      beeps: got.beepsMs.length,
      flashes: got.flashesMs.length,
      renderLeadMs: Math.round(got.renderLeadMs),
    });
    t.diagnostic(`sync measurement: ${detail}`);
    // Render times and arrivals on one clock: the comparison with audio is meaningful.
    assert.ok(Math.abs(got.renderLeadMs) < 500, `video render time off the clock: ${detail}`);
    assert.ok(got.offsetsMs.length >= 4, `too few paired pulses: ${detail}`);
    assert.ok(Math.abs(median(got.offsetsMs)) <= MAX_OFFSET_MS, `A/V offset: ${detail}`);
  });
});
