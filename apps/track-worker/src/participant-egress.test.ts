import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { END_REASONS, newEgressId } from '@egress/protocol';
import type { BotOptions } from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';
import { runParticipantEgress } from './participant-egress.js';
import { mp4Outputs } from './testing/mp4-outputs.js';
import { probeAudioFile } from './testing/probe-audio-file.js';
import { probeVideoFile } from './testing/probe-video-file.js';
import { type SfuHarness, startSfuHarness } from './testing/sfu-harness.js';
import { streamCodecs } from './testing/stream-codecs.js';
import type { TrackEgressResult } from './track-egress.js';

const output = { video: { width: 640, height: 360, fps: 30 }, audio: true };
const mp4 = (localPath: string) =>
  mp4Outputs(localPath, { ...output.video, bitrateKbps: 1000 }, 96);

describe('runParticipantEgress', { timeout: 240_000 }, () => {
  let harness: SfuHarness;

  before(async () => {
    harness = await startSfuHarness('participant-egress');
  });

  after(async () => {
    await harness?.close();
    await dispose();
  });

  /** Starts a bot in a fresh room and records its identity until it leaves. */
  async function record(
    bot: Omit<BotOptions, 'url' | 'apiKey' | 'apiSecret' | 'room' | 'identity'>,
    options: { screenShare?: boolean; leaveAfterMs: number; end?: 'leave' | 'stop' | 'room-close' },
  ): Promise<{ result: TrackEgressResult; localPath: string; wallSec: number }> {
    const room = `room-${randomUUID()}`;
    const started = await harness.bot({
      ...bot,
      room,
      identity: 'alice',
    });
    const egressId = newEgressId();
    const localPath = join(harness.dir, `${egressId}.mp4`);
    const stop = new AbortController();
    const result = await runParticipantEgress({
      wsUrl: harness.sfu.url,
      token: await harness.token(room, egressId),
      identity: 'alice',
      screenShare: options.screenShare ?? false,
      outputs: mp4(localPath),
      logger: harness.logger,
      ...output,
      signal: stop.signal,
      onActive: () => {
        const ends = {
          leave: () => void started.leave(),
          stop: () => stop.abort(),
          'room-close': () => void harness.sfu.rooms.delete(room),
        };
        setTimeout(ends[options.end ?? 'leave'], options.leaveAfterMs);
      },
    });
    // The recording's own wall clock: ACTIVE until the end was noticed.
    const wallSec =
      result.status === 'complete' ? (result.endedAtMs - result.startedAtMs) / 1000 : Number.NaN;
    return { result, localPath, wallSec };
  }

  it('picks up camera and microphone published later, with black and silence before them', async () => {
    const { result, localPath, wallSec } = await record(
      {
        kind: 'audio-video',
        unpublished: ['audio', 'video'],
        script: [
          { atMs: 2000, action: 'publish', track: 'video' },
          { atMs: 3500, action: 'publish', track: 'audio' },
        ],
      },
      { leaveAfterMs: 7000 },
    );
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    assert.equal(result.endReason, END_REASONS.sourceClosed);
    assert.deepEqual(await streamCodecs(localPath), { audio: 'aac', video: 'h264' });
    const video = await probeVideoFile(localPath);
    assert.equal(video.width, 640);
    assert.equal(video.height, 360);
    // The wall clock, not the media that came: output duration within 1 % of it.
    assert.ok(
      Math.abs(video.durationSec - wallSec) <= wallSec * 0.01 + 0.1,
      JSON.stringify({ video, wallSec }),
    );
    assert.ok(Math.abs(video.frames - video.durationSec * 30) <= 3, JSON.stringify(video));
    // Black from the start until the camera came (about 2 s), picture after.
    const first = video.blacks[0];
    assert.ok(
      first && first.startSec < 0.2 && first.endSec > 1 && first.endSec < 4,
      JSON.stringify(video.blacks),
    );
    assert.ok(
      !video.blacks.some((b) => b.endSec > video.durationSec - 1),
      JSON.stringify(video.blacks),
    );
    const audio = await probeAudioFile(localPath);
    const silence = audio.silences[0];
    assert.ok(
      silence && silence.startSec < 0.2 && silence.endSec > 2 && silence.endSec < 5.5,
      JSON.stringify(audio),
    );
    assert.ok(audio.meanVolumeDb > -40, JSON.stringify(audio));
  });

  it('records the screen share and its audio with screen_share', async () => {
    const { result, localPath } = await record(
      { kind: 'screen-share' },
      { screenShare: true, leaveAfterMs: 4000 },
    );
    assert.equal(result.status, 'complete', JSON.stringify(result));
    assert.deepEqual(await streamCodecs(localPath), { audio: 'aac', video: 'h264' });
    const video = await probeVideoFile(localPath);
    assert.equal(video.width, 640);
    assert.ok(!video.blacks.some((b) => b.endSec - b.startSec > 1.5), JSON.stringify(video.blacks));
    const audio = await probeAudioFile(localPath);
    assert.ok(audio.meanVolumeDb > -40, JSON.stringify(audio));
  });

  it('turns an unpublished camera to black and picks up its republication', async () => {
    const { result, localPath, wallSec } = await record(
      {
        kind: 'audio-video',
        script: [
          // 3 s apart: on a loaded machine the unpublish can take a second to reach the egress.
          { atMs: 2500, action: 'unpublish', track: 'video' },
          { atMs: 5500, action: 'publish', track: 'video' },
        ],
      },
      { leaveAfterMs: 8500 },
    );
    assert.equal(result.status, 'complete', JSON.stringify(result));
    const video = await probeVideoFile(localPath);
    assert.ok(
      Math.abs(video.durationSec - wallSec) <= wallSec * 0.01 + 0.1,
      JSON.stringify({ video, wallSec }),
    );
    // One black stretch of up to 3 s in the middle; picture before and after it.
    const middle = video.blacks.filter((b) => b.startSec > 1 && b.endSec < video.durationSec - 0.5);
    assert.equal(middle.length, 1, JSON.stringify(video.blacks));
    const span = (middle[0]?.endSec ?? 0) - (middle[0]?.startSec ?? 0);
    assert.ok(span > 0.8 && span < 4, JSON.stringify(video.blacks));
    // Audio went on through it.
    const audio = await probeAudioFile(localPath);
    assert.ok(
      !audio.silences.some((s) => s.startSec > 1.5 && s.endSec < video.durationSec - 0.5),
      JSON.stringify(audio),
    );
  });

  it('gives black frames while the camera is muted, never a speed change', async () => {
    const { result, localPath, wallSec } = await record(
      {
        kind: 'audio-video',
        script: [
          // After the bot published (the recording starts about a second later).
          { atMs: 3500, action: 'mute', track: 'video' },
          { atMs: 5500, action: 'unmute', track: 'video' },
        ],
      },
      { leaveAfterMs: 7500 },
    );
    assert.equal(result.status, 'complete', JSON.stringify(result));
    const video = await probeVideoFile(localPath);
    assert.ok(
      Math.abs(video.durationSec - wallSec) <= wallSec * 0.01 + 0.1,
      JSON.stringify({ video, wallSec }),
    );
    assert.ok(Math.abs(video.frames - video.durationSec * 30) <= 3, JSON.stringify(video));
    const middle = video.blacks.filter((b) => b.startSec > 1.5);
    assert.equal(middle.length, 1, JSON.stringify(video.blacks));
    const span = (middle[0]?.endSec ?? 0) - (middle[0]?.startSec ?? 0);
    assert.ok(span > 1.3 && span < 3, JSON.stringify(video.blacks));
  });

  it('ends COMPLETE with the StopEgress reason on stop, the file as long as the recording', async () => {
    const { result, localPath, wallSec } = await record(
      { kind: 'audio-video' },
      { leaveAfterMs: 3000, end: 'stop' },
    );
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    assert.equal(result.endReason, END_REASONS.api);
    const video = await probeVideoFile(localPath);
    assert.ok(wallSec > 2.9 && wallSec < 4, String(wallSec));
    assert.ok(
      Math.abs(video.durationSec - wallSec) <= wallSec * 0.01 + 0.1,
      JSON.stringify({ video, wallSec }),
    );
  });

  it('ends COMPLETE (source closed) when the room closes', async () => {
    const { result, localPath, wallSec } = await record(
      { kind: 'audio-video' },
      { leaveAfterMs: 3000, end: 'room-close' },
    );
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    assert.equal(result.endReason, END_REASONS.sourceClosed);
    const video = await probeVideoFile(localPath);
    assert.ok(
      Math.abs(video.durationSec - wallSec) <= wallSec * 0.01 + 0.1,
      JSON.stringify({ video, wallSec }),
    );
  });

  it('fails with "participant X not found" (404) when the participant never comes', async () => {
    const room = `room-${randomUUID()}`;
    const egressId = newEgressId();
    const result = await runParticipantEgress({
      wsUrl: harness.sfu.url,
      token: await harness.token(room, egressId),
      identity: 'nobody',
      screenShare: false,
      outputs: mp4(join(harness.dir, `${egressId}.mp4`)),
      logger: harness.logger,
      trackWaitMs: 1500,
      ...output,
    });
    assert.equal(result.status, 'failed');
    if (result.status !== 'failed') return;
    assert.equal(result.error.code, 'not_found');
    assert.equal(result.error.message, 'participant nobody not found');
    assert.equal(result.startedAtMs, undefined);
  });
});
