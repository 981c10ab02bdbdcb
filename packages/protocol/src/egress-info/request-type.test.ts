import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AudioConfig,
  AudioRoute,
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
import type { EgressRequest, RequestType } from '../request-types.js';
import { isSdkRoomComposite, poolOfRequest, queueOf, requestTypeOf } from './request-type.js';

function v2(source: StartEgressRequest['source'], passthrough = false): EgressRequest {
  return {
    case: 'egress',
    value: new StartEgressRequest({
      roomName: 'r',
      source,
      ...(passthrough
        ? { encoding: { case: 'preset', value: EncodingOptionsPreset.PASSTHROUGH } }
        : {}),
    }),
  };
}

const byTrack = new MediaSource({
  video: { case: 'videoTrackId', value: 'TR_v' },
  audio: new AudioConfig({
    routes: [new AudioRoute({ match: { case: 'trackId', value: 'TR_a' } })],
  }),
});

describe('requestTypeOf', () => {
  const cases: { name: string; input: EgressRequest; want: RequestType }[] = [
    {
      name: 'maps a room composite request to room-composite',
      input: { case: 'roomComposite', value: new RoomCompositeEgressRequest() },
      want: 'room-composite',
    },
    {
      name: 'maps a web request to web',
      input: { case: 'web', value: new WebEgressRequest() },
      want: 'web',
    },
    {
      name: 'maps a participant request to participant',
      input: { case: 'participant', value: new ParticipantEgressRequest() },
      want: 'participant',
    },
    {
      name: 'maps a track composite request to track-composite',
      input: { case: 'trackComposite', value: new TrackCompositeEgressRequest() },
      want: 'track-composite',
    },
    {
      name: 'maps a track request to track',
      input: { case: 'track', value: new TrackEgressRequest() },
      want: 'track',
    },
    {
      name: 'maps a v2 template source to room-composite',
      input: v2({ case: 'template', value: new TemplateSource({ layout: 'grid' }) }),
      want: 'room-composite',
    },
    {
      name: 'maps a v2 web source to web',
      input: v2({ case: 'web', value: new WebSource({ url: 'https://x' }) }),
      want: 'web',
    },
    {
      name: 'maps v2 media chosen by track ids to track-composite',
      input: v2({ case: 'media', value: byTrack }),
      want: 'track-composite',
    },
    {
      name: 'maps v2 media following a participant video to participant',
      input: v2({
        case: 'media',
        value: new MediaSource({
          video: { case: 'participantVideo', value: new ParticipantVideo({ identity: 'p' }) },
        }),
      }),
      want: 'participant',
    },
    {
      name: 'maps v2 media capturing all audio to participant',
      input: v2({
        case: 'media',
        value: new MediaSource({ audio: new AudioConfig({ captureAll: true }) }),
      }),
      want: 'participant',
    },
    {
      name: 'maps v2 media routing audio by identity to participant',
      input: v2({
        case: 'media',
        value: new MediaSource({
          audio: new AudioConfig({
            routes: [new AudioRoute({ match: { case: 'participantIdentity', value: 'p' } })],
          }),
        }),
      }),
      want: 'participant',
    },
    {
      name: 'maps v2 passthrough media to track',
      input: v2(
        { case: 'media', value: new MediaSource({ video: { case: 'videoTrackId', value: 'v' } }) },
        true,
      ),
      want: 'track',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(requestTypeOf(c.input), c.want);
    });
  }
});

describe('queueOf', () => {
  it('sends Chromium work to egress-composite', () => {
    assert.equal(queueOf({ case: 'web', value: new WebEgressRequest() }), 'egress-composite');
    assert.equal(
      queueOf(v2({ case: 'template', value: new TemplateSource() })),
      'egress-composite',
    );
  });

  it('sends SDK work to egress-track', () => {
    assert.equal(queueOf({ case: 'track', value: new TrackEgressRequest() }), 'egress-track');
    assert.equal(queueOf(v2({ case: 'media', value: byTrack })), 'egress-track');
    assert.equal(
      queueOf({
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({ audioOnly: true }),
      }),
      'egress-track',
    );
  });
});

describe('poolOfRequest', () => {
  const room = (fields: Partial<RoomCompositeEgressRequest>): EgressRequest => ({
    case: 'roomComposite',
    value: new RoomCompositeEgressRequest({ roomName: 'r', ...fields }),
  });
  const cases: { name: string; input: EgressRequest; want: 'composite' | 'track' }[] = [
    {
      name: 'audio-only room composite without a template runs in track',
      input: room({ audioOnly: true }),
      want: 'track',
    },
    {
      name: 'audio-only room composite with a layout runs in composite',
      input: room({ audioOnly: true, layout: 'grid' }),
      want: 'composite',
    },
    {
      name: 'audio-only room composite with a custom base url runs in composite',
      input: room({ audioOnly: true, customBaseUrl: 'https://t.example/' }),
      want: 'composite',
    },
    { name: 'room composite with video runs in composite', input: room({}), want: 'composite' },
    {
      name: 'video-only room composite runs in composite',
      input: room({ videoOnly: true }),
      want: 'composite',
    },
    {
      name: 'v2 audio-only template without layout runs in track',
      input: v2({ case: 'template', value: new TemplateSource({ audioOnly: true }) }),
      want: 'track',
    },
    {
      name: 'v2 audio-only template with a layout runs in composite',
      input: v2({
        case: 'template',
        value: new TemplateSource({ audioOnly: true, layout: 'speaker' }),
      }),
      want: 'composite',
    },
    {
      name: 'audio-only web runs in composite',
      input: { case: 'web', value: new WebEgressRequest({ url: 'https://x', audioOnly: true }) },
      want: 'composite',
    },
    {
      name: 'track runs in track',
      input: { case: 'track', value: new TrackEgressRequest() },
      want: 'track',
    },
    {
      name: 'participant runs in track',
      input: { case: 'participant', value: new ParticipantEgressRequest() },
      want: 'track',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(poolOfRequest(c.input), c.want);
      assert.equal(
        isSdkRoomComposite(c.input),
        c.want === 'track' && requestTypeOf(c.input) === 'room-composite',
      );
    });
  }

  it('keeps the room-composite request type (the job name) of an SDK room composite', () => {
    assert.equal(requestTypeOf(room({ audioOnly: true })), 'room-composite');
  });
});
