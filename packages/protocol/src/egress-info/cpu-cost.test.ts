import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EncodingOptionsPreset,
  MediaSource,
  ParticipantEgressRequest,
  ParticipantVideo,
  RoomCompositeEgressRequest,
  StartEgressRequest,
  TemplateSource,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
  WebEgressRequest,
  WebSource,
} from '@livekit/protocol';
import type { EgressRequest } from '../request-types.js';
import { type CpuCosts, cpuCostOf, DEFAULT_CPU_COSTS } from './cpu-cost.js';

const media = new MediaSource({ video: { case: 'videoTrackId', value: 'TR_v' } });

describe('cpuCostOf', () => {
  const cases: { name: string; input: EgressRequest; want: number }[] = [
    {
      name: 'room composite with video costs 4',
      input: { case: 'roomComposite', value: new RoomCompositeEgressRequest({ roomName: 'r' }) },
      want: 4,
    },
    {
      name: 'audio-only room composite with a layout (Chromium) costs 1',
      input: {
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({ roomName: 'r', audioOnly: true, layout: 'grid' }),
      },
      want: 1,
    },
    {
      name: 'audio-only room composite through the SDK costs the audio room composite cost',
      input: {
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({ roomName: 'r', audioOnly: true }),
      },
      want: 1,
    },
    {
      name: 'video-only room composite costs 4',
      input: {
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({ roomName: 'r', videoOnly: true }),
      },
      want: 4,
    },
    {
      name: 'web costs 4',
      input: { case: 'web', value: new WebEgressRequest({ url: 'https://x' }) },
      want: 4,
    },
    {
      name: 'audio-only web costs 1',
      input: { case: 'web', value: new WebEgressRequest({ url: 'https://x', audioOnly: true }) },
      want: 1,
    },
    {
      name: 'participant costs 2',
      input: { case: 'participant', value: new ParticipantEgressRequest({ identity: 'p' }) },
      want: 2,
    },
    {
      name: 'track composite costs 1',
      input: { case: 'trackComposite', value: new TrackCompositeEgressRequest({ roomName: 'r' }) },
      want: 1,
    },
    {
      name: 'track costs 0.5',
      input: { case: 'track', value: new TrackEgressRequest({ trackId: 'TR_a' }) },
      want: 0.5,
    },
    {
      name: 'v2 template costs like a room composite',
      input: {
        case: 'egress',
        value: new StartEgressRequest({
          source: { case: 'template', value: new TemplateSource({ layout: 'grid' }) },
        }),
      },
      want: 4,
    },
    {
      name: 'v2 audio-only template costs like an audio room composite',
      input: {
        case: 'egress',
        value: new StartEgressRequest({
          source: { case: 'template', value: new TemplateSource({ audioOnly: true }) },
        }),
      },
      want: 1,
    },
    {
      name: 'v2 web source costs like web',
      input: {
        case: 'egress',
        value: new StartEgressRequest({
          source: { case: 'web', value: new WebSource({ url: 'https://x' }) },
        }),
      },
      want: 4,
    },
    {
      name: 'v2 audio-only web source costs like audio web',
      input: {
        case: 'egress',
        value: new StartEgressRequest({
          source: { case: 'web', value: new WebSource({ url: 'https://x', audioOnly: true }) },
        }),
      },
      want: 1,
    },
    {
      name: 'v2 media by track id costs a participant, as Go',
      input: {
        case: 'egress',
        value: new StartEgressRequest({ source: { case: 'media', value: media } }),
      },
      want: 2,
    },
    {
      name: 'v2 media of a participant costs a participant',
      input: {
        case: 'egress',
        value: new StartEgressRequest({
          source: {
            case: 'media',
            value: new MediaSource({
              video: { case: 'participantVideo', value: new ParticipantVideo({ identity: 'p' }) },
            }),
          },
        }),
      },
      want: 2,
    },
    {
      name: 'v2 passthrough media costs a track',
      input: {
        case: 'egress',
        value: new StartEgressRequest({
          source: { case: 'media', value: media },
          encoding: { case: 'preset', value: EncodingOptionsPreset.PASSTHROUGH },
        }),
      },
      want: 0.5,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(cpuCostOf(c.input, DEFAULT_CPU_COSTS), c.want);
    });
  }

  it('uses the configured costs instead of the defaults', () => {
    const costs: CpuCosts = { ...DEFAULT_CPU_COSTS, trackCpuCost: 0.25, webCpuCost: 6 };
    assert.equal(
      cpuCostOf({ case: 'track', value: new TrackEgressRequest({ trackId: 'TR_a' }) }, costs),
      0.25,
    );
    assert.equal(cpuCostOf({ case: 'web', value: new WebEgressRequest() }, costs), 6);
  });

  it('costs an SDK audio room composite by sdk_audio_room_composite_cpu_cost', () => {
    const costs: CpuCosts = { ...DEFAULT_CPU_COSTS, sdkAudioRoomCompositeCpuCost: 0.3 };
    const sdk = new RoomCompositeEgressRequest({ roomName: 'r', audioOnly: true });
    const chromium = new RoomCompositeEgressRequest({
      roomName: 'r',
      audioOnly: true,
      layout: 'grid',
    });
    assert.equal(cpuCostOf({ case: 'roomComposite', value: sdk }, costs), 0.3);
    assert.equal(cpuCostOf({ case: 'roomComposite', value: chromium }, costs), 1);
    const template = new TemplateSource({ audioOnly: true });
    assert.equal(
      cpuCostOf(
        {
          case: 'egress',
          value: new StartEgressRequest({ source: { case: 'template', value: template } }),
        },
        costs,
      ),
      0.3,
    );
  });

  it('lets the server estimate win when it is above 0', () => {
    const request: EgressRequest = { case: 'web', value: new WebEgressRequest() };
    assert.equal(cpuCostOf(request, DEFAULT_CPU_COSTS, 2.5), 2.5);
    assert.equal(cpuCostOf(request, DEFAULT_CPU_COSTS, 0), 4);
  });
});
