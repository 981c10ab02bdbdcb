import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EgressRequest } from '@egress/protocol';
import type { Bot } from '@egress/test-sfu';
import {
  AudioConfig,
  AudioRoute,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  FileOutput,
  MediaSource,
  Output,
  ParticipantEgressRequest,
  ParticipantVideo,
  StartEgressRequest,
} from '@livekit/protocol';
import { dispose } from '@livekit/rtc-node';
import { bandVolumeDb } from './testing/band-volume.js';
import { probeAudioFile } from './testing/probe-audio-file.js';
import { probeVideoFile } from './testing/probe-video-file.js';
import { streamCodecs } from './testing/stream-codecs.js';
import { startTrackJobHarness, type TrackJobHarness } from './testing/track-job-harness.js';

// Participant jobs end to end in this process: request → validation → naming → the egress →
// local_output_dir; real test SFU, bots, GStreamer and ffprobe.
const encoding = new EncodingOptions({ width: 640, height: 360, framerate: 30, videoBitrate: 800 });

describe('participant egress jobs', { timeout: 180_000 }, () => {
  let harness: TrackJobHarness;

  before(async () => {
    harness = await startTrackJobHarness();
  });

  after(async () => {
    await harness?.close();
    await dispose();
  });

  /** Runs a request until `bot` leaves `recordMs` after the job is ACTIVE. */
  async function runJob(request: EgressRequest, bot: Bot, recordMs: number) {
    const job = harness.runJob(request);
    void job.active.then(() => setTimeout(() => void bot.leave(), recordMs));
    return { final: await job.done, statuses: job.statuses };
  }

  const startIn = (room: string, identity: string): Promise<Bot> =>
    harness.bot({ room, identity, kind: 'audio-video' });

  /** A v2 request recording `media` of `room` to one file. */
  const v2Request = (
    room: string,
    media: MediaSource,
    file: FileOutput,
    withEncoding = true,
  ): EgressRequest => ({
    case: 'egress',
    value: new StartEgressRequest({
      roomName: room,
      source: { case: 'media', value: media },
      ...(withEncoding ? { encoding: { case: 'advanced', value: encoding } } : {}),
      outputs: [new Output({ config: { case: 'file', value: file } })],
    }),
  });

  /** Asserts each tone is heard in the recording after its first seconds. */
  async function assertTones(location: string, tonesHz: number[], fromSec: number) {
    for (const frequencyHz of tonesHz) {
      const db = await bandVolumeDb(location, { frequencyHz, fromSec });
      assert.ok(db > -35, `${frequencyHz} Hz tone at ${db} dB`);
    }
  }

  it('runs a v1 participant request to an MP4 named after the participant', async () => {
    const room = `room-${randomUUID()}`;
    const bot = await startIn(room, 'dana');
    const request: EgressRequest = {
      case: 'participant',
      value: new ParticipantEgressRequest({
        roomName: room,
        identity: 'dana',
        options: { case: 'advanced', value: encoding },
        fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: '' })],
      }),
    };
    const { final, statuses } = await runJob(request, bot, 3000);
    assert.equal(final.status, EgressStatus.EGRESS_COMPLETE, final.error);
    assert.deepEqual(statuses.slice(-3), [
      EgressStatus.EGRESS_ACTIVE,
      EgressStatus.EGRESS_ENDING,
      EgressStatus.EGRESS_COMPLETE,
    ]);
    const file = final.fileResults[0];
    // Go names an empty filepath `<identity>-<time>.mp4` for a participant egress.
    assert.match(basename(file?.filename ?? ''), /^dana-.*\.mp4$/);
    assert.deepEqual(await streamCodecs(file?.location ?? ''), { audio: 'aac', video: 'h264' });
    const probe = await probeVideoFile(file?.location ?? '');
    assert.equal(probe.width, 640);
    assert.ok(probe.durationSec > 2.5 && probe.durationSec < 5, JSON.stringify(probe));
  });

  it('runs a v2 media source that follows a participant, preferring a screen share it lacks', async () => {
    const room = `room-${randomUUID()}`;
    const bot = await startIn(room, 'erin');
    const request = v2Request(
      room,
      new MediaSource({
        video: {
          case: 'participantVideo',
          value: new ParticipantVideo({ identity: 'erin', preferScreenShare: true }),
        },
        audio: new AudioConfig({
          routes: [new AudioRoute({ match: { case: 'participantIdentity', value: 'erin' } })],
        }),
      }),
      new FileOutput({ fileType: EncodedFileType.MP4, filepath: 'v2/{publisher_identity}.mp4' }),
    );
    const { final } = await runJob(request, bot, 3000);
    assert.equal(final.status, EgressStatus.EGRESS_COMPLETE, final.error);
    const file = final.fileResults[0];
    assert.equal(file?.filename, 'v2/erin.mp4');
    assert.deepEqual(await streamCodecs(file?.location ?? ''), { audio: 'aac', video: 'h264' });
    // No screen share: the camera, not black.
    const probe = await probeVideoFile(file?.location ?? '');
    assert.ok(!probe.blacks.some((b) => b.endSec - b.startSec > 1.5), JSON.stringify(probe.blacks));
  });

  it('runs an audio-only v2 media source with capture_all as a mix of the room', async () => {
    const room = `room-${randomUUID()}`;
    await harness.bot({ room, identity: 'fay', kind: 'audio', toneHz: 440 });
    await harness.bot({ room, identity: 'gus', kind: 'audio', toneHz: 1500 });
    const request = v2Request(
      room,
      new MediaSource({ audio: new AudioConfig({ captureAll: true }) }),
      new FileOutput({ fileType: EncodedFileType.OGG, filepath: 'v2/mix.ogg' }),
      false,
    );
    const job = harness.runJob(request);
    // a mix ends with the room (or StopEgress), not when someone leaves
    void job.active.then(() => setTimeout(() => void harness.sfu.rooms.delete(room), 3000));
    const final = await job.done;
    assert.equal(final.status, EgressStatus.EGRESS_COMPLETE, final.error);
    const file = final.fileResults[0];
    assert.equal(file?.filename, 'v2/mix.ogg');
    const probe = await probeAudioFile(file?.location ?? '');
    assert.equal(probe.codec, 'opus');
    assert.ok(probe.durationSec > 2.5 && probe.durationSec < 4.5, JSON.stringify(probe));
    await assertTones(file?.location ?? '', [440, 1500], 1);
  });

  it("records a participant's video with the room's audio mixed by capture_all", async () => {
    const room = `room-${randomUUID()}`;
    const hal = await harness.bot({ room, identity: 'hal', kind: 'audio-video', toneHz: 440 });
    await harness.bot({ room, identity: 'ivy', kind: 'audio', toneHz: 1500 });
    const request = v2Request(
      room,
      new MediaSource({
        video: { case: 'participantVideo', value: new ParticipantVideo({ identity: 'hal' }) },
        audio: new AudioConfig({ captureAll: true }),
      }),
      new FileOutput({ fileType: EncodedFileType.MP4, filepath: 'v2/hal-mix.mp4' }),
    );
    const { final } = await runJob(request, hal, 4000);
    assert.equal(final.status, EgressStatus.EGRESS_COMPLETE, final.error);
    const location = final.fileResults[0]?.location ?? '';
    assert.deepEqual(await streamCodecs(location), { audio: 'aac', video: 'h264' });
    const probe = await probeVideoFile(location);
    assert.ok(probe.durationSec > 3 && probe.durationSec < 6, JSON.stringify(probe));
    assert.ok(!probe.blacks.some((b) => b.endSec - b.startSec > 1.5), JSON.stringify(probe.blacks));
    // hal's own tone and ivy's, who is not the video participant
    await assertTones(location, [440, 1500], 1.5);
  });
});
