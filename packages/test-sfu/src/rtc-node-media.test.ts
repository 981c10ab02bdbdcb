import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { measureAudio, measureVideo } from './rtc-node-probe.js';
import { useTestSfu } from './testing/sfu-suite.js';

describe('test SFU forwarding media between rtc-node participants', { timeout: 120_000 }, () => {
  const suite = useTestSfu();

  const cases = [
    { name: 'Opus audio and VP8 video', input: { videoCodec: 'vp8' as const }, want: 'video/vp8' },
    {
      name: 'Opus audio and H264 video',
      input: { videoCodec: 'h264' as const },
      want: 'video/h264',
    },
  ];
  for (const c of cases) {
    it(`forwards ${c.name} from a publisher to a subscriber`, async () => {
      const room = `room-${randomUUID()}`;
      const probe = await suite.join(room, 'sub');
      const bot = await suite.startBot({
        room,
        identity: 'pub',
        kind: 'audio-video',
        videoCodec: c.input.videoCodec,
      });

      const audio = await probe.waitForTrack('pub', 'audio');
      const video = await probe.waitForTrack('pub', 'video');
      assert.equal(audio.publication.mimeType?.toLowerCase(), 'audio/opus');
      assert.equal(video.publication.mimeType?.toLowerCase(), c.want);
      const heard = await measureAudio(audio.track, 300);
      const seen = await measureVideo(video.track, 30);

      // 3 s of 10 ms frames: the median stays on the tone even if the decoder starts with
      // up to 1.5 s of silence while the first packets arrive on a loaded machine.
      assert.equal(heard.frames, 300);
      // A 440 Hz tone of peak 8000 has a mean absolute value of 2·8000/π ≈ 5093; silence is 0.
      assert.ok(heard.meanAbs > 3500 && heard.meanAbs < 6500, `meanAbs ${heard.meanAbs}`);
      assert.deepEqual(seen, { frames: 30, width: 320, height: 240 });
      await bot.leave();
      await probe.disconnect();
    });
  }
});
