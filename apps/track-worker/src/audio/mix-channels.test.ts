import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AudioRoutePlan } from '@egress/protocol';
import { AudioChannel, AudioMixing, ParticipantInfo_Kind } from '@livekit/protocol';
import { ParticipantKind } from '@livekit/rtc-node';
import { channelsByMixing, channelsByRoutes, type MixCandidate } from './mix-channels.js';

const track = (
  trackId: string,
  identity: string,
  kind = ParticipantKind.STANDARD,
): MixCandidate => ({
  trackId,
  identity,
  kind,
});

describe('channelsByMixing', () => {
  it('puts every track in both channels by default', () => {
    const choose = channelsByMixing(AudioMixing.DEFAULT_MIXING);
    assert.equal(choose(track('TR_a', 'ann', ParticipantKind.AGENT)), 'both');
  });

  it('puts agents left and everyone else right with DUAL_CHANNEL_AGENT', () => {
    const choose = channelsByMixing(AudioMixing.DUAL_CHANNEL_AGENT);
    assert.equal(choose(track('TR_a', 'bot', ParticipantKind.AGENT)), 'left');
    assert.equal(choose(track('TR_b', 'ann')), 'right');
    assert.equal(choose(track('TR_c', 'sip', ParticipantKind.SIP)), 'right');
  });

  it('alternates left and right in the order tracks come with DUAL_CHANNEL_ALTERNATE', () => {
    const choose = channelsByMixing(AudioMixing.DUAL_CHANNEL_ALTERNATE);
    const sides = ['a', 'b', 'c'].map((id) => choose(track(id, id)));
    assert.deepEqual(sides, ['left', 'right', 'left']);
  });
});

describe('channelsByRoutes', () => {
  const routes: AudioRoutePlan[] = [
    { match: { kind: 'trackId', trackId: 'TR_x' }, channel: AudioChannel.RIGHT },
    { match: { kind: 'participantIdentity', identity: 'ann' }, channel: AudioChannel.LEFT },
    {
      match: { kind: 'participantKind', participantKind: ParticipantInfo_Kind.AGENT },
      channel: AudioChannel.RIGHT,
    },
    {
      match: { kind: 'participantKind', participantKind: ParticipantInfo_Kind.CONNECTOR },
      channel: AudioChannel.BOTH,
    },
  ];

  it('places a track by the first route that matches it, in request order', () => {
    const choose = channelsByRoutes({ captureAll: false, routes });
    assert.equal(choose(track('TR_x', 'ann')), 'right', 'track id comes first');
    assert.equal(choose(track('TR_a', 'ann', ParticipantKind.AGENT)), 'left', 'then identity');
    assert.equal(choose(track('TR_b', 'bot', ParticipantKind.AGENT)), 'right', 'then kind');
  });

  it("matches livekit's participant kinds to rtc-node's, which number newer kinds differently", () => {
    const choose = channelsByRoutes({ captureAll: false, routes });
    assert.equal(choose(track('TR_c', 'wa', ParticipantKind.CONNECTOR)), 'both');
    assert.equal(choose(track('TR_d', 'rtsp', ParticipantKind.BRIDGE)), undefined);
  });

  it('leaves unmatched tracks out, or in both channels with capture_all', () => {
    assert.equal(channelsByRoutes({ captureAll: false, routes })(track('TR_z', 'bob')), undefined);
    assert.equal(channelsByRoutes({ captureAll: true, routes })(track('TR_z', 'bob')), 'both');
    assert.equal(channelsByRoutes({ captureAll: true, routes: [] })(track('TR_z', 'bob')), 'both');
  });
});
