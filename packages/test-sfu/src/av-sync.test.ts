import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { measureSyncOffsets, median } from './sync-offsets.js';
import { useTestSfu } from './testing/sfu-suite.js';

// Beyond ~100 ms viewers notice lip sync errors (ITU-R BT.1359 puts detectability at +45/-125 ms).
const MAX_OFFSET_MS = 100;
const MEASURE_MS = 7000;
// Fresh rooms to try; see below.
const ATTEMPTS = 3;

// What this measures: when an rtc-node subscriber presents each beep (audio playout, 10 ms pulls)
// and each flash (the render time libwebrtc stamps on decoded frames), on one monotonic clock.
// That is the offset a recording made from rtc-node (the track egress) would have, end to end:
// the bot's capture, encoding, the SFU's forwarding and both receive jitter buffers. The SFU gives
// audio and video different stream ids, as livekit-server does, so libwebrtc plays them without
// lip sync; the sender reports the SFU translates (unit-tested in werift-workarounds.test.ts) are
// what RTP-level receivers such as GStreamer's rtpbin use to align them.
//
// The bot runs in this process, so each pulse's latency from capture is known per stream. When
// the shared machine stalls this process, rtc-node's audio jitter buffer (NetEq) grows by 100 ms
// or more and keeps that delay for tens of seconds: the receiver's doing, not the SFU's, and
// visible as a step in `audioLatencyMs`. A measurement spoilt that way is repeated in a fresh
// room (a new subscriber has a new jitter buffer), up to ATTEMPTS times.
describe('A/V sync through the test SFU', { timeout: 120_000 }, () => {
  const suite = useTestSfu();

  /** One measurement in a fresh room: the median offset and what it was made of. */
  async function measure(): Promise<{ medianMs: number; detail: string }> {
    const room = `room-${randomUUID()}`;
    const probe = await suite.join(room, 'sub');
    const bot = await suite.startBot({
      room,
      identity: 'sync',
      kind: 'audio-video',
      isSyncSignal: true,
    });
    const audio = await probe.waitForTrack('sync', 'audio');
    const video = await probe.waitForTrack('sync', 'video');
    const got = await measureSyncOffsets(audio.track, video.track, MEASURE_MS);
    await bot.leave();
    await probe.disconnect();
    // Pulses are due on whole seconds after the bot's start, on performance.now().
    const hrtimeMinusPerfMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();
    const startMs = bot.signalStartedAtMs + hrtimeMinusPerfMs;
    const latency = (ms: number) =>
      Math.round(ms - startMs - Math.round((ms - startMs) / 1000) * 1000);
    const detail = JSON.stringify({
      audioLatencyMs: got.beepsMs.map(latency),
      videoLatencyMs: got.flashesMs.map(latency),
      offsetsMs: got.offsetsMs.map(Math.round),
      renderLeadMs: Math.round(got.renderLeadMs),
    });
    // Render times and arrivals on one clock: the comparison with audio is meaningful.
    assert.ok(Math.abs(got.renderLeadMs) < 500, `video render time off the clock: ${detail}`);
    assert.ok(got.offsetsMs.length >= 4, `too few paired pulses: ${detail}`);
    return { medianMs: median(got.offsetsMs), detail };
  }

  it("presents the sync signal's beeps and flashes within 100 ms of each other", async (t) => {
    const tried: string[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const { medianMs, detail } = await measure();
      t.diagnostic(`attempt ${attempt}: median offset ${Math.round(medianMs)} ms, ${detail}`);
      tried.push(detail);
      if (Math.abs(medianMs) <= MAX_OFFSET_MS) return;
    }
    assert.fail(`A/V offset above ${MAX_OFFSET_MS} ms in every room: ${tried.join('; ')}`);
  });
});
