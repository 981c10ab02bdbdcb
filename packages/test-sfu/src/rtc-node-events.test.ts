import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DisconnectReason, TrackSource } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import type { BotKind } from './bots/start-bot.js';
import { measureAudio, measureVideo } from './rtc-node-probe.js';
import { useTestSfu } from './testing/sfu-suite.js';

describe('test SFU room events seen by an rtc-node subscriber', { timeout: 120_000 }, () => {
  const suite = useTestSfu();
  const { join } = suite;
  const bot = (room: string, identity: string, kind: BotKind) =>
    suite.startBot({ room, identity, kind });

  it('reports a publisher joining, publishing and leaving', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await join(room, 'sub');
    const pub = await bot(room, 'pub', 'audio');
    await probe.waitForEvent(/^TrackSubscribed pub audio/);
    await pub.leave();
    await probe.waitForEvent(/^ParticipantDisconnected pub$/);
    const seen = probe.events.filter((e) => e.includes(' pub'));
    assert.deepEqual(seen, [
      'ParticipantConnected pub',
      'TrackPublished pub audio',
      'TrackSubscribed pub audio audio/opus',
      'TrackUnsubscribed pub audio',
      'TrackUnpublished pub audio',
      'ParticipantDisconnected pub',
    ]);
  });

  it('reports an unpublished track while the other track keeps flowing', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await join(room, 'sub');
    const pub = await bot(room, 'pub', 'audio-video');
    const video = await probe.waitForTrack('pub', 'video');
    await probe.waitForTrack('pub', 'audio');
    await pub.unpublish('audio');
    await probe.waitForEvent(/^TrackUnpublished pub audio$/);
    assert.ok(probe.events.includes('TrackUnsubscribed pub audio'));
    assert.ok(!probe.events.includes('TrackUnpublished pub video'));
    const seen = await measureVideo(video.track, 10);
    assert.equal(seen.frames, 10);
  });

  it('reports a track muted and unmuted', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await join(room, 'sub');
    const pub = await bot(room, 'pub', 'audio');
    await probe.waitForEvent(/^TrackSubscribed pub audio/);
    pub.setMuted('audio', true);
    await probe.waitForEvent(/^TrackMuted pub audio$/);
    pub.setMuted('audio', false);
    await probe.waitForEvent(/^TrackUnmuted pub audio$/);
    assert.deepEqual(
      suite.sfu.rooms.participants(room).find((p) => p.identity === 'pub')?.tracks[0]?.muted,
      false,
    );
  });

  it('subscribes only on request when auto-subscribe is off', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await join(room, 'sub', { autoSubscribe: false });
    await bot(room, 'pub', 'audio');
    await probe.waitForEvent(/^TrackPublished pub audio$/);
    // Give an unwanted subscription time to show up before asking for one.
    await delay(1500);
    assert.ok(!probe.events.some((e) => e.startsWith('TrackSubscribed')), probe.events.join(', '));
    const remote = probe.room.remoteParticipants.get('pub');
    for (const publication of remote?.trackPublications.values() ?? []) {
      publication.setSubscribed(true);
    }
    const audio = await probe.waitForTrack('pub', 'audio');
    const heard = await measureAudio(audio.track, 300);
    assert.ok(heard.meanAbs > 3500, `meanAbs ${heard.meanAbs}`);
  });

  it("keeps a hidden recorder out of everyone else's view while it subscribes", async () => {
    const room = `room-${randomUUID()}`;
    const recorder = await join(room, 'recorder', { hidden: true });
    const viewer = await join(room, 'viewer');
    await bot(room, 'pub', 'audio');
    await viewer.waitForEvent(/^TrackSubscribed pub audio/);
    const audio = await recorder.waitForTrack('pub', 'audio');
    const heard = await measureAudio(audio.track, 300);
    assert.ok(heard.meanAbs > 3500, `meanAbs ${heard.meanAbs}`);
    assert.ok(recorder.events.includes('ParticipantConnected viewer'));
    assert.ok(!viewer.events.some((e) => e.includes('recorder')), viewer.events.join(', '));
    const remotes = [...viewer.room.remoteParticipants.values()].map((p) => p.identity);
    assert.deepEqual(remotes, ['pub']);
    const listed = suite.sfu.rooms
      .participants(room)
      .map((p) => p.identity)
      .sort();
    assert.deepEqual(listed, ['pub', 'recorder', 'viewer']);
  });

  it('runs a bot script: mute, unpublish, then leave', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await join(room, 'sub');
    const scripted = await suite.startBot({
      room,
      identity: 'scripted',
      kind: 'audio-video',
      script: [
        { atMs: 300, action: 'mute', track: 'audio' },
        { atMs: 600, action: 'unpublish', track: 'video' },
        { atMs: 900, action: 'leave' },
      ],
    });
    await scripted.scriptDone;
    await probe.waitForEvent(/^ParticipantDisconnected scripted$/);
    const order = [
      'TrackMuted scripted audio',
      'TrackUnpublished scripted video',
      'ParticipantDisconnected scripted',
    ];
    const seen = probe.events.filter((e) => order.includes(e));
    assert.deepEqual(seen, order);
  });

  it('publishes a screen share with screen-share sources', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await join(room, 'sub');
    await bot(room, 'screen', 'screen-share');
    const video = await probe.waitForTrack('screen', 'video');
    const audio = await probe.waitForTrack('screen', 'audio');
    assert.equal(video.publication.source, TrackSource.SOURCE_SCREENSHARE);
    assert.equal(audio.publication.source, TrackSource.SOURCE_SCREENSHARE_AUDIO);
    assert.deepEqual(await measureVideo(video.track, 3), { frames: 3, width: 640, height: 360 });
  });

  it('lists and removes participants over Twirp', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await join(room, 'sub');
    const other = await join(room, 'other');
    await probe.waitForEvent(/^ParticipantConnected other$/);
    const client = new RoomServiceClient(suite.sfu.httpUrl, suite.apiKey, suite.apiSecret);
    const listed = await client.listParticipants(room);
    assert.deepEqual(listed.map((p) => p.identity).sort(), ['other', 'sub']);
    await client.removeParticipant(room, 'other');
    await other.waitForEvent(new RegExp(`^Disconnected ${DisconnectReason.PARTICIPANT_REMOVED}$`));
    await probe.waitForEvent(/^ParticipantDisconnected other$/);
  });

  it('disconnects everyone with ROOM_DELETED when the room is deleted over Twirp', async () => {
    const room = `room-${randomUUID()}`;
    const first = await join(room, 'first');
    const second = await join(room, 'second');
    await new RoomServiceClient(suite.sfu.httpUrl, suite.apiKey, suite.apiSecret).deleteRoom(room);
    const deleted = new RegExp(`^Disconnected ${DisconnectReason.ROOM_DELETED}$`);
    await first.waitForEvent(deleted);
    await second.waitForEvent(deleted);
    assert.equal(
      suite.sfu.rooms.list().find((r) => r.name === room),
      undefined,
    );
  });

  it('refuses Twirp calls without a roomAdmin grant', async () => {
    const room = `room-${randomUUID()}`;
    await join(room, 'sub');
    const token = await suite.token(room, 'nosy');
    const response = await fetch(
      `${suite.sfu.httpUrl}/twirp/livekit.RoomService/ListParticipants`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ room }),
      },
    );
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { code: string }).code, 'permission_denied');
  });
});
