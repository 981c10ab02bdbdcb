import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dispose, VideoStream } from '@livekit/rtc-node';
import { type Bot, startBot } from './bots/start-bot.js';
import { createTestToken, measureVideo, RtcNodeProbe } from './rtc-node-probe.js';
import { startTestSfu, type TestSfu } from './test-sfu.js';

const apiKey = 'test-key';
const apiSecret = 'test-secret-test-secret-test-secret-0123';

describe('test SFU forwarding a simulcast track', { timeout: 120_000 }, () => {
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

  it('forwards one layer and moves up to the full resolution', async () => {
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
      identity: 'pub',
      kind: 'video',
      width: 640,
      height: 360,
      simulcast: true,
    });
    const video = await probe.waitForTrack('pub', 'video');
    const published = sfu.rooms.participants(room).find((p) => p.identity === 'pub')?.tracks[0];
    assert.equal(published?.simulcast, true, 'the publisher announced no simulcast layers');
    const reader = new VideoStream(video.track).getReader();
    const widths = new Set<number>();
    const deadline = Date.now() + 30_000;
    try {
      while (!widths.has(640) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done || !value) break;
        widths.add(value.frame.width);
      }
    } finally {
      await reader.cancel();
    }
    assert.ok(widths.has(640), `widths seen: ${[...widths].join(', ')}`);
    // Decoding goes on after the switch.
    const after = await measureVideo(video.track, 15);
    assert.deepEqual(after, { frames: 15, width: 640, height: 360 });
  });
});
