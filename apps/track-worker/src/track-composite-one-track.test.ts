import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newEgressId } from '@egress/protocol';
import type { BotOptions } from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';
import { detectFreezes } from './testing/detect-freezes.js';
import { mp4Outputs } from './testing/mp4-outputs.js';
import { probeAudioFile } from './testing/probe-audio-file.js';
import { probeVideoFile } from './testing/probe-video-file.js';
import { type SfuHarness, startSfuHarness } from './testing/sfu-harness.js';
import { streamCodecs } from './testing/stream-codecs.js';
import { runTrackCompositeEgress } from './track-composite-egress.js';
import { runTrackEgress, type TrackEgressResult } from './track-egress.js';

const video = { width: 320, height: 240, fps: 30 };

describe('one track alone: track composite and a resolution switch', { timeout: 180_000 }, () => {
  let harness: SfuHarness;

  before(async () => {
    harness = await startSfuHarness('one-track');
  });

  after(async () => {
    await harness?.close();
    await dispose();
  });

  /** Records the bot's one track for `leaveAfterMs` (then the bot leaves). */
  async function record(
    bot: Pick<BotOptions, 'kind' | 'script'>,
    leaveAfterMs: number,
  ): Promise<{ result: TrackEgressResult; localPath: string }> {
    const room = `room-${randomUUID()}`;
    const started = await harness.bot({
      ...bot,
      room,
      identity: 'bob',
    });
    const egressId = newEgressId();
    const localPath = join(harness.dir, `${egressId}.mp4`);
    const isAudio = bot.kind === 'audio';
    const trackId = (isAudio ? started.publications.audio : started.publications.video)?.sid ?? '';
    const result = await runTrackCompositeEgress({
      wsUrl: harness.sfu.url,
      token: await harness.token(room, egressId),
      ...(isAudio ? { audioTrackId: trackId } : { videoTrackId: trackId }),
      video,
      audio: true,
      outputs: mp4Outputs(localPath, { ...video, bitrateKbps: 800 }),
      logger: harness.logger,
      onActive: () => setTimeout(() => void started.leave(), leaveAfterMs),
    });
    return { result, localPath };
  }

  it('records an audio track alone: an audio-only file as long as the recording', async () => {
    const { result, localPath } = await record({ kind: 'audio' }, 4000);
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    assert.deepEqual(await streamCodecs(localPath), { audio: 'aac' });
    const audio = await probeAudioFile(localPath);
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    assert.ok(
      Math.abs(audio.durationSec - wallSec) <= wallSec * 0.01 + 0.05,
      JSON.stringify({ audio, wallSec }),
    );
    assert.ok(audio.meanVolumeDb > -40, JSON.stringify(audio));
  });

  // rtc-node's encoder keeps the source's pixel count (640x480 arrives as 320x240), so the switch
  // that reaches the subscriber is the change of aspect to 320x120.
  const resizing: Pick<BotOptions, 'kind' | 'script'> = {
    kind: 'video',
    script: [
      { atMs: 2000, action: 'resize', width: 640, height: 480 },
      { atMs: 4000, action: 'resize', width: 320, height: 120 },
    ],
  };

  it('keeps a video track alone at the output size while its resolution changes', async () => {
    const { result, localPath } = await record(resizing, 6500);
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    await assertSteadyVideo(localPath, result);
  });

  it('keeps a video track egress at its first size while the resolution changes', async () => {
    const room = `room-${randomUUID()}`;
    const started = await harness.bot({
      ...resizing,
      room,
      identity: 'carol',
    });
    const egressId = newEgressId();
    const localPath = join(harness.dir, `${egressId}.mp4`);
    const result = await runTrackEgress({
      wsUrl: harness.sfu.url,
      token: await harness.token(room, egressId),
      trackId: started.publications.video?.sid ?? '',
      output: { kind: 'file', localPath },
      logger: harness.logger,
      onActive: () => setTimeout(() => void started.leave(), 6500),
    });
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    await assertSteadyVideo(localPath, result);
  });

  /** 320x240 H.264 at 30 fps for the whole recording, the pattern moving throughout. */
  async function assertSteadyVideo(
    localPath: string,
    result: { startedAtMs: number; endedAtMs: number },
  ): Promise<void> {
    assert.deepEqual(await streamCodecs(localPath), { video: 'h264' });
    const probe = await probeVideoFile(localPath);
    assert.equal(probe.width, 320);
    assert.equal(probe.height, 240);
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    assert.ok(
      Math.abs(probe.durationSec - wallSec) <= wallSec * 0.01 + 0.05,
      JSON.stringify({ probe, wallSec }),
    );
    assert.ok(Math.abs(probe.frames - probe.durationSec * video.fps) <= 3, JSON.stringify(probe));
    // The moving pattern goes on through both switches: no frozen picture, no black, clean decode.
    const { freezes, decodeErrors } = await detectFreezes(localPath, 1);
    assert.deepEqual(freezes, []);
    assert.deepEqual(decodeErrors, []);
    assert.ok(!probe.blacks.some((b) => b.startSec > 1), JSON.stringify(probe.blacks));
  }
});
