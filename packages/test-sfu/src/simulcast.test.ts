import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { VideoStream } from '@livekit/rtc-node';
import { measureVideo } from './rtc-node-probe.js';
import { SIMULCAST_PUBLISHER, useTestSfu } from './testing/sfu-suite.js';

describe('test SFU forwarding a simulcast track', { timeout: 120_000 }, () => {
  const suite = useTestSfu();

  it('forwards one layer on one track: the top one announced, at the full resolution', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await suite.join(room, 'sub');
    await suite.startBot({ room, ...SIMULCAST_PUBLISHER });
    const video = await probe.waitForTrack('pub', 'video');
    const published = suite.sfu.rooms.participants(room).find((p) => p.identity === 'pub')
      ?.tracks[0];
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
    // One layer: the SFU forwards the top one of those announced (rids q, h, f from the lowest;
    // rtc-node 1.1 announces two, both 640x360), on the one video track the subscriber got for
    // the publisher, not a track per layer.
    const topRid = ['q', 'h', 'f'][published.layers.length - 1];
    assert.equal(suite.sfu.rooms.forwardedLayer(room, published.sid), topRid);
    assert.equal(
      probe.events.filter((e) => e.startsWith('TrackSubscribed pub video')).length,
      1,
      probe.events.join(', '),
    );
  });
});
