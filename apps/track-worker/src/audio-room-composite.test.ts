import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, DEFAULT_ENCODING, END_REASONS, GO_MESSAGES } from '@egress/protocol';
import { AudioChannel, AudioMixing } from '@livekit/protocol';
import { dispose } from '@livekit/rtc-node';
import {
  channelsByMixing,
  channelsByRoutes,
  type MixChannelChooser,
} from './audio/mix-channels.js';
import { runAudioRoomComposite } from './audio-room-composite.js';
import { startAvEncoder } from './av-encoder.js';
import { pcmSinkOf } from './sdk-audio-room-composite.js';
import { bandVolumeDb } from './testing/band-volume.js';
import { probeAudioFile } from './testing/probe-audio-file.js';
import { type SfuHarness, startSfuHarness } from './testing/sfu-harness.js';

const logger = createLogger({
  service: 'track-worker-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});

// The SDK egresses' encoder with one OGG/Opus file output.
const oggSink = (localPath: string) =>
  pcmSinkOf(
    startAvEncoder({
      outputs: { encoding: DEFAULT_ENCODING, file: { fileType: 'ogg', localPath } },
      audio: true,
      logger,
    }),
  );

// Two tones more than an octave apart: each band filter cuts the other by about 40 dB.
const EARLY_HZ = 440;
const LATE_HZ = 1500;

describe('runAudioRoomComposite', { timeout: 180_000 }, () => {
  let harness: SfuHarness;

  before(async () => {
    harness = await startSfuHarness('audio-room');
  });

  after(async () => {
    await harness?.close();
    await dispose();
  });

  const tokenFor = (room: string) => harness.token(room);
  const botIn = (room: string, identity: string, toneHz: number) =>
    harness.bot({ room, identity, kind: 'audio', toneHz });

  /** Records `room` for 4 s after ACTIVE to an OGG file, mixed by `channelOf`. */
  async function recordFor4s(room: string, name: string, channelOf: MixChannelChooser) {
    const localPath = join(harness.dir, name);
    const controller = new AbortController();
    const result = await runAudioRoomComposite({
      wsUrl: harness.sfu.url,
      token: await tokenFor(room),
      logger,
      signal: controller.signal,
      channelOf,
      startSink: () => oggSink(localPath),
      onActive: () => setTimeout(() => controller.abort(), 4000),
    });
    assert.equal(result.status, 'complete', JSON.stringify(result));
    return localPath;
  }

  /** A tone's level in each channel after the first second, dB. */
  const volumes = async (path: string, frequencyHz: number) => ({
    left: await bandVolumeDb(path, { frequencyHz, fromSec: 1, channel: 0 }),
    right: await bandVolumeDb(path, { frequencyHz, fromSec: 1, channel: 1 }),
  });

  it('mixes two tone bots, one joining late, to OGG until the room closes', async () => {
    const room = `room-${randomUUID()}`;
    await botIn(room, 'early', EARLY_HZ);
    const localPath = join(harness.dir, 'room.ogg');
    let lateJoinedAtMs = 0;
    const result = await runAudioRoomComposite({
      wsUrl: harness.sfu.url,
      token: await tokenFor(room),
      logger,
      startSink: () => oggSink(localPath),
      onActive: () => {
        setTimeout(() => {
          lateJoinedAtMs = Date.now();
          void botIn(room, 'late', LATE_HZ).then(() =>
            setTimeout(() => void harness.sfu.rooms.delete(room), 4000),
          );
        }, 3000);
      },
    });
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    assert.equal(result.endReason, END_REASONS.sourceClosed);

    const probe = await probeAudioFile(localPath);
    assert.equal(probe.codec, 'opus');
    assert.equal(probe.channels, 2);
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    assert.ok(Math.abs(probe.durationSec - wallSec) <= 1, `${probe.durationSec} s vs ${wallSec} s`);

    // The late bot joined 3 s in: its tone is missing before and present in the last seconds.
    const lateAtSec = (lateJoinedAtMs - result.startedAtMs) / 1000;
    const end = probe.durationSec;
    const before = await bandVolumeDb(localPath, {
      frequencyHz: LATE_HZ,
      durationSec: lateAtSec - 0.5,
    });
    const lateTail = await bandVolumeDb(localPath, {
      frequencyHz: LATE_HZ,
      fromSec: end - 2.5,
      durationSec: 2,
    });
    const earlyTail = await bandVolumeDb(localPath, {
      frequencyHz: EARLY_HZ,
      fromSec: end - 2.5,
      durationSec: 2,
    });
    const earlyHead = await bandVolumeDb(localPath, {
      frequencyHz: EARLY_HZ,
      durationSec: lateAtSec - 0.5,
    });
    logger.info({ before, lateTail, earlyTail, earlyHead, probe, wallSec }, 'band volumes');
    assert.ok(earlyHead > -35, `early tone before the late join: ${earlyHead} dB`);
    assert.ok(earlyTail > -35, `early tone at the end: ${earlyTail} dB`);
    assert.ok(lateTail > -35, `late tone at the end: ${lateTail} dB`);
    assert.ok(before < lateTail - 20, `late tone before it joined: ${before} dB vs ${lateTail} dB`);
  });

  it('puts the tracks alternately left and right with DUAL_CHANNEL_ALTERNATE', async () => {
    const room = `room-${randomUUID()}`;
    await botIn(room, 'first', EARLY_HZ);
    await botIn(room, 'second', LATE_HZ);
    const localPath = await recordFor4s(
      room,
      'alternate.ogg',
      channelsByMixing(AudioMixing.DUAL_CHANNEL_ALTERNATE),
    );
    const sides: number[] = [];
    for (const frequencyHz of [EARLY_HZ, LATE_HZ]) {
      const { left, right } = await volumes(localPath, frequencyHz);
      logger.info({ frequencyHz, left, right }, 'channel volumes');
      assert.ok(Math.abs(left - right) > 30, `${frequencyHz} Hz: left ${left}, right ${right} dB`);
      assert.ok(Math.max(left, right) > -35, `${frequencyHz} Hz: left ${left}, right ${right} dB`);
      sides.push(left > right ? 0 : 1);
    }
    assert.notEqual(sides[0], sides[1], 'both tones on one side');
  });

  it('mixes a v2 media source by its routes, with and without capture_all', async () => {
    const room = `room-${randomUUID()}`;
    const OTHER_HZ = 4000;
    await botIn(room, 'ann', EARLY_HZ);
    await botIn(room, 'bob', LATE_HZ);
    await botIn(room, 'other', OTHER_HZ);
    const routes = [
      {
        match: { kind: 'participantIdentity' as const, identity: 'ann' },
        channel: AudioChannel.LEFT,
      },
      {
        match: { kind: 'participantIdentity' as const, identity: 'bob' },
        channel: AudioChannel.RIGHT,
      },
    ];
    // two egresses of the same room at once: the routes alone, and the routes with capture_all
    const record = (captureAll: boolean) =>
      recordFor4s(room, `routes-${captureAll}.ogg`, channelsByRoutes({ captureAll, routes }));
    const [routedOnly, withRest] = await Promise.all([record(false), record(true)]);
    for (const path of [routedOnly, withRest]) {
      const ann = await volumes(path, EARLY_HZ);
      const bob = await volumes(path, LATE_HZ);
      logger.info({ path, ann, bob }, 'routed volumes');
      assert.ok(ann.left > -35 && ann.left - ann.right > 30, `ann left: ${JSON.stringify(ann)}`);
      assert.ok(bob.right > -35 && bob.right - bob.left > 30, `bob right: ${JSON.stringify(bob)}`);
    }
    const left = await volumes(routedOnly, OTHER_HZ);
    const kept = await volumes(withRest, OTHER_HZ);
    logger.info({ left, kept }, 'unrouted volumes');
    assert.ok(kept.left > -35 && kept.right > -35, `capture_all: both: ${JSON.stringify(kept)}`);
    assert.ok(Math.abs(kept.left - kept.right) < 3, `capture_all: both: ${JSON.stringify(kept)}`);
    assert.ok(
      Math.max(left.left, left.right) < kept.left - 30,
      `unrouted left out: ${JSON.stringify(left)} vs ${JSON.stringify(kept)}`,
    );
  });

  it('ends ABORTED "Start signal not received" when stopped in a room without audio', async () => {
    const room = `room-${randomUUID()}`;
    const controller = new AbortController();
    let isSinkStarted = false;
    setTimeout(() => controller.abort(), 1500);
    const result = await runAudioRoomComposite({
      wsUrl: harness.sfu.url,
      token: await tokenFor(room),
      logger,
      signal: controller.signal,
      startSink: () => {
        isSinkStarted = true;
        return oggSink(join(harness.dir, 'never.ogg'));
      },
    });
    assert.deepEqual(
      { status: result.status, message: result.status === 'aborted' ? result.message : '' },
      { status: 'aborted', message: GO_MESSAGES.startSignalNotReceived },
    );
    assert.equal(isSinkStarted, false);
  });
});
