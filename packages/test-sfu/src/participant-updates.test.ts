import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { RoomServiceClient } from 'livekit-server-sdk';
import type { BotKind } from './bots/start-bot.js';
import { useTestSfu } from './testing/sfu-suite.js';

describe('test SFU participant metadata and active speakers', { timeout: 120_000 }, () => {
  const suite = useTestSfu();
  const { join } = suite;
  const bot = (room: string, identity: string, kind: BotKind) =>
    suite.startBot({ room, identity, kind });
  let rooms: RoomServiceClient;

  before(() => {
    rooms = new RoomServiceClient(suite.sfu.httpUrl, suite.apiKey, suite.apiSecret);
  });

  it('sends UpdateParticipant changes to the participant and to the others', async () => {
    const room = `room-${randomUUID()}`;
    const subject = await join(room, 'subject');
    const viewer = await join(room, 'viewer');
    await subject.waitForEvent(/^ParticipantConnected viewer$/);
    const info = await rooms.updateParticipant(room, 'subject', {
      metadata: '{"role":"host"}',
      name: 'The Host',
      attributes: { team: 'blue' },
    });
    assert.equal(info.metadata, '{"role":"host"}');
    assert.equal(info.name, 'The Host');
    for (const probe of [viewer, subject]) {
      await probe.waitForEvent(/^ParticipantMetadataChanged subject \{"role":"host"\}$/);
      await probe.waitForEvent(/^ParticipantNameChanged subject The Host$/);
      await probe.waitForEvent(/^ParticipantAttributesChanged subject \{"team":"blue"\}$/);
    }
    assert.equal(subject.room.localParticipant?.metadata, '{"role":"host"}');
    assert.equal(viewer.room.remoteParticipants.get('subject')?.metadata, '{"role":"host"}');
  });

  it("updates a hidden recorder's layout metadata for the recorder alone", async () => {
    const room = `room-${randomUUID()}`;
    const viewer = await join(room, 'viewer');
    const recorder = await join(room, 'EG_recorder', { hidden: true });
    // What livekit-server's UpdateLayout does to the egress participant.
    await rooms.updateParticipant(room, 'EG_recorder', { metadata: '{"layout":"speaker"}' });
    await recorder.waitForEvent(/^ParticipantMetadataChanged EG_recorder \{"layout":"speaker"\}$/);
    assert.equal(recorder.room.localParticipant?.metadata, '{"layout":"speaker"}');
    const listed = suite.sfu.rooms.participants(room).find((p) => p.identity === 'EG_recorder');
    assert.equal(listed?.metadata, '{"layout":"speaker"}');
    assert.ok(!viewer.events.some((e) => e.includes('EG_recorder')), viewer.events.join(', '));
  });

  it('answers not_found for an unknown participant', async () => {
    const room = `room-${randomUUID()}`;
    await join(room, 'someone');
    await assert.rejects(rooms.updateParticipant(room, 'nobody', { metadata: 'x' }), /not found/);
  });

  it('detects a speaker from the audio level header extension, until muted', async () => {
    const room = `room-${randomUUID()}`;
    const recorder = await join(room, 'EG_recorder', { hidden: true });
    const talker = await bot(room, 'talker', 'audio');
    await bot(room, 'camera', 'video');
    await recorder.waitForEvent(/^ActiveSpeakersChanged talker$/);
    talker.setMuted('audio', true);
    await recorder.waitForEvent(/^ActiveSpeakersChanged$/);
    assert.ok(!recorder.events.some((e) => /^ActiveSpeakersChanged.*camera/.test(e)));
  });

  it('lets a test say who speaks, and tells participants who join later', async () => {
    const room = `room-${randomUUID()}`;
    const viewer = await join(room, 'viewer');
    await bot(room, 'first', 'video');
    await bot(room, 'second', 'video');
    await viewer.waitForEvent(/^ParticipantConnected second$/);
    assert.ok(suite.sfu.rooms.setActiveSpeakers(room, ['second', 'first']));
    // rtc-node orders the list itself.
    const both = /^ActiveSpeakersChanged (second,first|first,second)$/;
    await viewer.waitForEvent(both);
    const recorder = await join(room, 'EG_recorder', { hidden: true });
    await recorder.waitForEvent(both);
    suite.sfu.rooms.setActiveSpeakers(room, ['first']);
    await viewer.waitForEvent(/^ActiveSpeakersChanged first$/);
    await recorder.waitForEvent(/^ActiveSpeakersChanged first$/);
    suite.sfu.rooms.setActiveSpeakers(room, undefined);
    await viewer.waitForEvent(/^ActiveSpeakersChanged$/);
    assert.equal(suite.sfu.rooms.setActiveSpeakers('no-such-room', []), false);
  });
});
