import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { hasChromium } from './browser/chromium-subscriber.js';
import { SIMULCAST_PUBLISHER, useTestSfu } from './testing/sfu-suite.js';

const isChromiumMissing = !(await hasChromium()) && process.env.CI !== 'true';

describe('test SFU with livekit-client in Chromium subscribing', {
  timeout: 120_000,
  skip: isChromiumMissing ? 'no /usr/bin/chromium (needed under CI=true)' : false,
}, () => {
  const suite = useTestSfu();

  const cases = [
    { name: 'Opus and VP8', input: { videoCodec: 'vp8' as const }, want: 'video/vp8' },
    { name: 'Opus and H264', input: { videoCodec: 'h264' as const }, want: 'video/h264' },
  ];
  for (const c of cases) {
    it(`decodes ${c.name} from an rtc-node publisher and hears the tone`, async () => {
      const room = `room-${randomUUID()}`;
      const bot = await suite.startBot({
        room,
        identity: 'pub',
        kind: 'audio-video',
        videoCodec: c.input.videoCodec,
      });
      const browser = await suite.openBrowser(room, 'browser');

      // 2·(8000/32768)/π ≈ 0.155 for the bot's tone. The level is the mean over the last 43 ms,
      // so the first reading above silence may still be ramping up: wait for the full tone.
      const stats = await browser.waitFor((s) => s.videoFrames >= 30 && s.audioLevel > 0.1);
      assert.equal(stats.state, 'connected');
      assert.deepEqual([stats.videoWidth, stats.videoHeight], [320, 240]);
      assert.ok(stats.audioLevel < 0.2, `level ${stats.audioLevel}`);
      const subscribed = stats.events.filter((e) => e.startsWith('TrackSubscribed')).sort();
      assert.deepEqual(
        subscribed.map((e) => e.toLowerCase()),
        ['tracksubscribed pub audio audio/opus', `tracksubscribed pub video ${c.want}`],
      );

      await bot.unpublish('video');
      await browser.waitFor((s) => s.events.includes('TrackUnsubscribed pub video'));
      await bot.leave();
      await browser.waitFor((s) => s.events.includes('ParticipantDisconnected pub'));
      await browser.close();
    });
  }

  it('switches simulcast layers live when the subscriber asks for another quality', async (t) => {
    const room = `room-${randomUUID()}`;
    const bot = await suite.startBot({ room, ...SIMULCAST_PUBLISHER });
    const browser = await suite.openBrowser(room, 'browser');
    await browser.waitFor((s) => s.videoFrames > 0, 30_000);
    const trackSid = bot.publications.video?.sid ?? '';
    const layer = () => suite.sfu.rooms.forwardedLayer(room, trackSid);
    // rtc-node 1.1 sends its layers q and h at the same size, so the switch shows at the SFU
    // only; the browser must keep decoding through each switch.
    const expectLayer = async (rid: string) => {
      const deadline = Date.now() + 20_000;
      while (layer() !== rid && Date.now() < deadline) await delay(100);
      assert.equal(layer(), rid, `forwarded layer after asking for ${rid}`);
      const frames = (await browser.stats()).videoFrames;
      await browser.waitFor((s) => s.videoFrames >= frames + 15);
    };
    await expectLayer('h');
    await browser.setVideoQuality('low');
    await expectLayer('q');
    await browser.setVideoQuality('high');
    await expectLayer('h');
    t.diagnostic(`frames decoded: ${(await browser.stats()).videoFrames}`);
    await browser.close();
  });
});
