import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DisconnectReason, dispose, TrackSource } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import { type Bot, startBot } from './bots/start-bot.js';
import { createTestToken, measureAudio, measureVideo, RtcNodeProbe } from './rtc-node-probe.js';
import { startTestSfu, type TestSfu } from './test-sfu.js';

const apiKey = 'test-key';
const apiSecret = 'test-secret-test-secret-test-secret-0123';

describe('test SFU room events seen by an rtc-node subscriber', { timeout: 120_000 }, () => {
  let sfu: TestSfu;
  const bots: Bot[] = [];
  const probes: RtcNodeProbe[] = [];

  before(async () => {
    sfu = await startTestSfu({ apiKey, apiSecret });
  });

  after(async () => {
    for (const bot of bots) await bot.leave();
    for (const probe of probes) await probe.disconnect();
    await sfu.close();
    await dispose();
  });

  async function join(
    room: string,
    identity: string,
    options: { autoSubscribe?: boolean; hidden?: boolean } = {},
  ): Promise<RtcNodeProbe> {
    const probe = new RtcNodeProbe();
    probes.push(probe);
    const token = await createTestToken({
      apiKey,
      apiSecret,
      room,
      identity,
      ...(options.hidden
        ? { grants: { hidden: true, recorder: true, canPublish: false }, kind: 'egress' }
        : {}),
    });
    await probe.connect(sfu.url, token, options.autoSubscribe ?? true);
    return probe;
  }

  async function bot(room: string, identity: string, kind: 'audio' | 'audio-video'): Promise<Bot> {
    const started = await startBot({ url: sfu.url, apiKey, apiSecret, room, identity, kind });
    bots.push(started);
    return started;
  }

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
      sfu.rooms.participants(room).find((p) => p.identity === 'pub')?.tracks[0]?.muted,
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
    const listed = sfu.rooms
      .participants(room)
      .map((p) => p.identity)
      .sort();
    assert.deepEqual(listed, ['pub', 'recorder', 'viewer']);
  });

  it('runs a bot script: mute, unpublish, then leave', async () => {
    const room = `room-${randomUUID()}`;
    const probe = await join(room, 'sub');
    const scripted = await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'scripted',
      kind: 'audio-video',
      script: [
        { atMs: 300, action: 'mute', track: 'audio' },
        { atMs: 600, action: 'unpublish', track: 'video' },
        { atMs: 900, action: 'leave' },
      ],
    });
    bots.push(scripted);
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
    await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'screen',
      kind: 'screen-share',
    }).then((b) => bots.push(b));
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
    const client = new RoomServiceClient(sfu.httpUrl, apiKey, apiSecret);
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
    await new RoomServiceClient(sfu.httpUrl, apiKey, apiSecret).deleteRoom(room);
    const deleted = new RegExp(`^Disconnected ${DisconnectReason.ROOM_DELETED}$`);
    await first.waitForEvent(deleted);
    await second.waitForEvent(deleted);
    assert.equal(
      sfu.rooms.list().find((r) => r.name === room),
      undefined,
    );
  });

  it('refuses Twirp calls without a roomAdmin grant', async () => {
    const room = `room-${randomUUID()}`;
    await join(room, 'sub');
    const token = await createTestToken({ apiKey, apiSecret, room, identity: 'nosy' });
    const response = await fetch(`${sfu.httpUrl}/twirp/livekit.RoomService/ListParticipants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room }),
    });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { code: string }).code, 'permission_denied');
  });
});
