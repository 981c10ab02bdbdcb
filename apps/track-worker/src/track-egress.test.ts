import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newEgressId } from '@egress/protocol';
import type { BotStep } from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';
import { probeAudioFile } from './testing/probe-audio-file.js';
import { probeVideoFile } from './testing/probe-video-file.js';
import { type SfuHarness, startSfuHarness } from './testing/sfu-harness.js';
import { runTrackEgress, type TrackEgressResult } from './track-egress.js';

/** How far a mute's silence may sit from the mute itself, either edge, in seconds. */
const MUTE_SLACK_SEC = 0.5;

describe('runTrackEgress', { timeout: 240_000 }, () => {
  let harness: SfuHarness;

  before(async () => {
    harness = await startSfuHarness('track-egress');
  });

  after(async () => {
    await harness?.close();
    await dispose();
  });

  async function setup(script: BotStep[] = []) {
    const room = `room-${randomUUID()}`;
    const bot = await harness.bot({
      room,
      identity: `bot-${randomUUID().slice(0, 8)}`,
      kind: 'audio',
      script,
    });
    const trackId = bot.publications.audio?.sid ?? '';
    const egressId = newEgressId();
    const token = await harness.token(room, egressId);
    return { room, bot, trackId, egressId, token };
  }

  function assertComplete(result: TrackEgressResult) {
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') throw new Error('unreachable');
    return result;
  }

  it('records an audio track to OGG/Opus as long as wall time, mute as silence where and as long as it was, until unpublish', async (t) => {
    const { trackId, token, bot } = await setup();
    const localPath = join(harness.dir, 'unpublish.ogg');
    let activeAtMs = 0;
    let mutedAtMs = 0;
    let unmutedAtMs = 0;
    const result = assertComplete(
      await runTrackEgress({
        wsUrl: harness.sfu.url,
        token,
        trackId,
        output: { kind: 'file', localPath },
        logger: harness.logger,
        onActive: (ms) => {
          activeAtMs = ms;
          // Driven from the start of the recording, so a slow join cannot miss the script.
          // the times the bot really muted and unmuted: timers run late on a loaded machine
          setTimeout(() => {
            mutedAtMs = Date.now();
            bot.setMuted('audio', true);
          }, 1000);
          setTimeout(() => {
            unmutedAtMs = Date.now();
            bot.setMuted('audio', false);
          }, 2000);
          setTimeout(() => void bot.unpublish('audio'), 4000);
        },
      }),
    );
    assert.equal(result.endReason, 'Source closed');
    assert.equal(result.startedAtMs, activeAtMs);
    assert.equal(result.output.localPath, localPath);
    const probe = await probeAudioFile(localPath);
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    assert.equal(probe.codec, 'opus');
    assert.equal(probe.channels, 2);
    // 1 %, but never below the timeline's 100 ms ahead allowance plus a frame: on a loaded
    // machine a stall longer than the gap limit may leave that much, and this take is short.
    assert.ok(
      Math.abs(probe.durationSec - wallSec) <= Math.max(wallSec * 0.01, 0.12),
      `duration ${probe.durationSec} s against wall ${wallSec} s`,
    );
    assert.ok(probe.meanVolumeDb > -40, `mean volume ${probe.meanVolumeDb} dB`);
    // The mute is one stretch of silence, where it happened and as long as it lasted (file time
    // 0 is ACTIVE), not a shorter file. The slack is the mute's and the unmute's own way through
    // the bot, the SFU and the recorder, and silencedetect's edges.
    const muted = probe.silences.filter((s) => s.endSec - s.startSec > 0.6);
    assert.equal(muted.length, 1, JSON.stringify(probe.silences));
    const silence = muted[0] ?? { startSec: 0, endSec: 0 };
    const wantStartSec = (mutedAtMs - activeAtMs) / 1000;
    const wantSec = (unmutedAtMs - mutedAtMs) / 1000;
    const silenceSec = silence.endSec - silence.startSec;
    t.diagnostic(
      `muted at ${wantStartSec.toFixed(2)} s for ${wantSec.toFixed(2)} s; silence at ${silence.startSec.toFixed(2)} s for ${silenceSec.toFixed(2)} s`,
    );
    assert.ok(
      Math.abs(silence.startSec - wantStartSec) <= MUTE_SLACK_SEC,
      `silence from ${silence.startSec} s, muted at ${wantStartSec} s`,
    );
    assert.ok(
      Math.abs(silenceSec - wantSec) <= MUTE_SLACK_SEC,
      `silence of ${silenceSec} s, muted for ${wantSec} s`,
    );
    harness.logger.info({ probe, wallSec }, 'recorded');
  });

  it('fails with Go\'s "track X not found" (404) when the track never appears', async () => {
    const { token } = await setup();
    const result = await runTrackEgress({
      wsUrl: harness.sfu.url,
      token,
      trackId: 'TR_missing',
      output: { kind: 'file', localPath: join(harness.dir, 'missing.ogg') },
      logger: harness.logger,
      trackWaitMs: 1500,
    });
    assert.equal(result.status, 'failed');
    if (result.status !== 'failed') return;
    assert.equal(result.error.code, 'not_found');
    assert.equal(result.error.message, 'track TR_missing not found');
  });

  const endings = [
    {
      name: 'completes with the API end reason on stop',
      input: 'stop' as const,
      want: 'StopEgress API',
    },
    {
      name: 'completes when the publisher leaves',
      input: 'leave' as const,
      want: 'Source closed',
    },
    {
      name: 'completes when the room is closed',
      input: 'room-closed' as const,
      want: 'Source closed',
    },
  ];
  for (const c of endings) {
    it(c.name, async () => {
      const { room, bot, trackId, token } = await setup();
      const controller = new AbortController();
      const localPath = join(harness.dir, `${c.input}.ogg`);
      const running = runTrackEgress({
        wsUrl: harness.sfu.url,
        token,
        trackId,
        output: { kind: 'file', localPath },
        logger: harness.logger,
        signal: controller.signal,
        onActive: () => {
          setTimeout(() => {
            if (c.input === 'stop') controller.abort();
            else if (c.input === 'leave') void bot.leave();
            else void harness.sfu.rooms.delete(room);
          }, 2000);
        },
      });
      const result = assertComplete(await running);
      assert.equal(result.endReason, c.want);
      const probe = await probeAudioFile(localPath);
      assert.equal(probe.codec, 'opus');
      assert.ok(probe.durationSec > 1.5, `duration ${probe.durationSec}`);
    });
  }

  it("records a video track at its publisher's size while the first frames come smaller", async () => {
    const room = `room-${randomUUID()}`;
    // libwebrtc's sender starts a 720p track at a fraction of its size (its start bitrate is
    // too low for more) and steps up within seconds.
    const bot = await harness.bot({
      room,
      identity: 'big-video-bot',
      kind: 'video',
      width: 1280,
      height: 720,
    });
    const localPath = join(harness.dir, 'big-video.mp4');
    const stop = new AbortController();
    const result = assertComplete(
      await runTrackEgress({
        wsUrl: harness.sfu.url,
        token: await harness.token(room),
        trackId: bot.publications.video?.sid ?? '',
        output: { kind: 'file', localPath },
        logger: harness.logger,
        signal: stop.signal,
        onActive: () => setTimeout(() => stop.abort(), 1500),
      }),
    );
    const probe = await probeVideoFile(localPath);
    assert.deepEqual([probe.width, probe.height], [1280, 720]);
    assert.ok(probe.frames > 0, JSON.stringify(probe));
    harness.logger.info({ probe, result }, 'recorded a 720p track');
  });

  it('records a video track to MP4/H.264 on the wall clock, black while muted', async () => {
    const room = `room-${randomUUID()}`;
    const bot = await harness.bot({
      room,
      identity: 'video-bot',
      kind: 'video',
    });
    const egressId = newEgressId();
    const token = await harness.token(room, egressId);
    const localPath = join(harness.dir, 'video.mp4');
    let named: string | undefined;
    const result = assertComplete(
      await runTrackEgress({
        wsUrl: harness.sfu.url,
        token,
        trackId: bot.publications.video?.sid ?? '',
        output: {
          kind: 'file',
          localPath: async (track) => {
            named = track.type;
            return localPath;
          },
        },
        logger: harness.logger,
        onActive: () => {
          setTimeout(() => bot.setMuted('video', true), 1000);
          setTimeout(() => bot.setMuted('video', false), 2000);
          setTimeout(() => void bot.unpublish('video'), 4000);
        },
      }),
    );
    assert.equal(named, 'video');
    assert.equal(result.endReason, 'Source closed');
    const probe = await probeVideoFile(localPath);
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    assert.equal(probe.codec, 'h264');
    assert.deepEqual([probe.width, probe.height], [320, 240]);
    assert.ok(
      Math.abs(probe.durationSec - wallSec) <= wallSec * 0.01 + 1 / 30,
      `duration ${probe.durationSec} s against wall ${wallSec} s`,
    );
    const muted = probe.blacks.filter((b) => b.endSec - b.startSec > 0.6);
    assert.equal(muted.length, 1, JSON.stringify(probe.blacks));
    harness.logger.info({ probe, wallSec }, 'recorded video');
  });
});
