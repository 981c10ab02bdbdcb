import type { AudioRoutePlan } from '@egress/protocol';
import { AudioChannel, AudioMixing, ParticipantInfo_Kind } from '@livekit/protocol';
import { ParticipantKind } from '@livekit/rtc-node';
import type { MixChannel } from './room-audio-mixer.js';

/** An audio track offered to the mix, with its participant. */
export interface MixCandidate {
  trackId: string;
  identity: string;
  kind: ParticipantKind;
}

/**
 * Where a track is heard in the mix, or undefined when it is not recorded. Called once per
 * track, when it is published (or found at join).
 */
export type MixChannelChooser = (track: MixCandidate) => MixChannel | undefined;

const CHANNEL_OF_ROUTE: Record<AudioChannel, MixChannel> = {
  [AudioChannel.BOTH]: 'both',
  [AudioChannel.LEFT]: 'left',
  [AudioChannel.RIGHT]: 'right',
};

// rtc-node numbers the newer kinds differently from livekit.ParticipantInfo.Kind.
const RTC_KIND_OF: Partial<Record<ParticipantInfo_Kind, ParticipantKind>> = {
  [ParticipantInfo_Kind.STANDARD]: ParticipantKind.STANDARD,
  [ParticipantInfo_Kind.INGRESS]: ParticipantKind.INGRESS,
  [ParticipantInfo_Kind.EGRESS]: ParticipantKind.EGRESS,
  [ParticipantInfo_Kind.SIP]: ParticipantKind.SIP,
  [ParticipantInfo_Kind.AGENT]: ParticipantKind.AGENT,
  [ParticipantInfo_Kind.CONNECTOR]: ParticipantKind.CONNECTOR,
  [ParticipantInfo_Kind.BRIDGE]: ParticipantKind.BRIDGE,
};

/**
 * Go's channel choice for a room composite's `audio_mixing` (pkg/pipeline/builder/audio.go
 * `getChannelLocked`): every track in both channels; agents left and everyone else right; or
 * alternately left, right, left... in the order the tracks come.
 */
export function channelsByMixing(mixing: AudioMixing): MixChannelChooser {
  switch (mixing) {
    case AudioMixing.DUAL_CHANNEL_AGENT:
      return (track) => (track.kind === ParticipantKind.AGENT ? 'left' : 'right');
    case AudioMixing.DUAL_CHANNEL_ALTERNATE: {
      let next: MixChannel = 'left';
      return () => {
        const channel = next;
        next = next === 'left' ? 'right' : 'left';
        return channel;
      };
    }
    default:
      return () => 'both';
  }
}

/**
 * The channels of a v2 media source's `audio` (livekit.AudioConfig): a track goes where the
 * first route that matches it says (by track id, participant identity or participant kind, in
 * the request's order); with `capture_all` every other track is heard in both channels, without
 * it the others are not recorded.
 */
export function channelsByRoutes(audio: {
  captureAll: boolean;
  routes: readonly AudioRoutePlan[];
}): MixChannelChooser {
  return (track) => {
    for (const { match, channel } of audio.routes) {
      const isMatch =
        match.kind === 'trackId'
          ? match.trackId === track.trackId
          : match.kind === 'participantIdentity'
            ? match.identity === track.identity
            : RTC_KIND_OF[match.participantKind] === track.kind;
      if (isMatch) return CHANNEL_OF_ROUTE[channel];
    }
    return audio.captureAll ? 'both' : undefined;
  };
}
