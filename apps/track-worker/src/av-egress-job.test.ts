import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidatedEgress } from '@egress/protocol';
import { AudioChannel } from '@livekit/protocol';
import { mediaTargets } from './av-egress-job.js';

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
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(mediaTargets(c.input), c.want));

  const refused: { name: string; input: MediaSource; want: RegExp }[] = [
    { name: 'refuses capture_all', input: media(undefined, [], true), want: /capture_all/ },
    {
      name: 'refuses a route to one channel',
      input: media({ trackId: 'TR_v' }, [byTrack('TR_a', AudioChannel.LEFT)]),
      want: /one channel/,
    },
    {
      name: "refuses another participant's audio with participant_video",
      input: media({ identity: 'ann', preferScreenShare: false }, [byIdentity('bob')]),
      want: /other than the video participant/,
    },
    {
      name: 'refuses two audio tracks (mixing)',
      input: media({ trackId: 'TR_v' }, [byTrack('TR_a'), byTrack('TR_b')]),
      want: /more than one audio track/,
    },
  ];
  for (const c of refused) {
    it(c.name, () =>
      assert.throws(() => mediaTargets(c.input), { code: 'invalid_argument', message: c.want }),
    );
  }
});
