import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidatedEgress } from '@egress/protocol';
import { AudioChannel } from '@livekit/protocol';
import { mediaTargets } from './av-egress-by-source.js';

type MediaSource = Extract<ValidatedEgress['source'], { kind: 'media' }>;
type Route = NonNullable<MediaSource['audio']>['routes'][number];

const byTrack = (trackId: string, channel = AudioChannel.BOTH): Route => ({
  match: { kind: 'trackId', trackId },
  channel,
});
const byIdentity = (identity: string): Route => ({
  match: { kind: 'participantIdentity', identity },
  channel: AudioChannel.BOTH,
});
const media = (
  video: MediaSource['video'],
  routes: Route[] = [],
  captureAll = false,
): MediaSource => ({
  kind: 'media',
  ...(video ? { video } : {}),
  ...(routes.length || captureAll ? { audio: { captureAll, routes } } : {}),
});

describe('mediaTargets', () => {
  const cases: { name: string; input: MediaSource; want: ReturnType<typeof mediaTargets> }[] = [
    {
      name: 'follows the participant of participant_video with its own audio',
      input: media({ identity: 'ann', preferScreenShare: true }, [byIdentity('ann')]),
      want: { kind: 'participant', identity: 'ann', preferScreenShare: true },
    },
    {
      name: 'records a video track id and one audio track route as a track composite',
      input: media({ trackId: 'TR_v' }, [byTrack('TR_a')]),
      want: { kind: 'tracks', audioTrackId: 'TR_a', videoTrackId: 'TR_v' },
    },
    {
      name: 'records one audio track route alone',
      input: media(undefined, [byTrack('TR_a')]),
      want: { kind: 'tracks', audioTrackId: 'TR_a' },
    },
    {
      name: 'mixes the room with capture_all and no video',
      input: media(undefined, [], true),
      want: { kind: 'mixed-audio', audio: { captureAll: true, routes: [] } },
    },
    {
      name: 'mixes routes by participant or to one channel without video',
      input: media(undefined, [byIdentity('ann'), byTrack('TR_b', AudioChannel.LEFT)]),
      want: {
        kind: 'mixed-audio',
        audio: {
          captureAll: false,
          routes: [byIdentity('ann'), byTrack('TR_b', AudioChannel.LEFT)],
        },
      },
    },
    {
      name: 'mixes one audio track routed to one channel',
      input: media(undefined, [byTrack('TR_a', AudioChannel.RIGHT)]),
      want: {
        kind: 'mixed-audio',
        audio: { captureAll: false, routes: [byTrack('TR_a', AudioChannel.RIGHT)] },
      },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(mediaTargets(c.input), c.want));

  const mixedWithVideo: {
    name: string;
    input: MediaSource;
    want: ReturnType<typeof mediaTargets>;
  }[] = [
    {
      name: 'mixes the room under a video track with capture_all',
      input: media({ trackId: 'TR_v' }, [], true),
      want: { kind: 'tracks', videoTrackId: 'TR_v', mixedAudio: { captureAll: true, routes: [] } },
    },
    {
      name: 'mixes a track routed to one channel under a video track',
      input: media({ trackId: 'TR_v' }, [byTrack('TR_a', AudioChannel.LEFT)]),
      want: {
        kind: 'tracks',
        videoTrackId: 'TR_v',
        mixedAudio: { captureAll: false, routes: [byTrack('TR_a', AudioChannel.LEFT)] },
      },
    },
    {
      name: "mixes another participant's audio under participant_video",
      input: media({ identity: 'ann', preferScreenShare: false }, [byIdentity('bob')]),
      want: {
        kind: 'participant',
        identity: 'ann',
        preferScreenShare: false,
        mixedAudio: { captureAll: false, routes: [byIdentity('bob')] },
      },
    },
    {
      name: 'mixes two audio tracks under a video track',
      input: media({ trackId: 'TR_v' }, [byTrack('TR_a'), byTrack('TR_b')]),
      want: {
        kind: 'tracks',
        videoTrackId: 'TR_v',
        mixedAudio: { captureAll: false, routes: [byTrack('TR_a'), byTrack('TR_b')] },
      },
    },
  ];
  for (const c of mixedWithVideo) it(c.name, () => assert.deepEqual(mediaTargets(c.input), c.want));

  const refused: { name: string; input: MediaSource; want: RegExp }[] = [
    {
      name: 'refuses a source without video or audio',
      input: media(undefined),
      want: /set video or audio routes/,
    },
  ];
  for (const c of refused) {
    it(c.name, () =>
      assert.throws(() => mediaTargets(c.input), { code: 'invalid_argument', message: c.want }),
    );
  }
});
