import { EncodingOptionsPreset, type MediaSource } from '@livekit/protocol';
import { type Pool, QUEUE_NAMES, type QueueName } from '../jobs/queue-names.js';
import type { EgressRequest, RequestType } from '../request-types.js';
import { isSdkSourceRequest } from './source-type.js';

// A v2 media source that picks its media only by track id behaves like a track composite; one
// that follows participants (participant video, capture_all, routes by identity or kind) like a
// participant egress.
function isTrackIdOnly(media: MediaSource): boolean {
  if (media.video.case === 'participantVideo') return false;
  const audio = media.audio;
  if (audio?.captureAll) return false;
  return (audio?.routes ?? []).every((route) => route.match.case === 'trackId');
}

/**
 * The family of a request, which is also its BullMQ job name (CONVENTIONS §13).
 *
 * v1 requests map one to one. A v2 `StartEgressRequest` maps by its source, since Go's v2 types
 * (`template`, `media`) have no queue of their own here:
 * - `template` → `room-composite`; `web` → `web`;
 * - `media` with the `PASSTHROUGH` preset → `track` (Go costs it as a track egress);
 * - `media` that selects only by track id (`video_track_id`, audio routes by `track_id`) →
 *   `track-composite`;
 * - any other `media` (participant video, `capture_all`, routes by identity or kind) →
 *   `participant`.
 * A v2 request with no source maps to `participant`; validation rejects it before it is queued.
 */
export function requestTypeOf(request: EgressRequest): RequestType {
  switch (request.case) {
    case 'roomComposite':
      return 'room-composite';
    case 'web':
      return 'web';
    case 'participant':
      return 'participant';
    case 'trackComposite':
      return 'track-composite';
    case 'track':
      return 'track';
    case 'egress': {
      const { source, encoding } = request.value;
      switch (source.case) {
        case 'template':
          return 'room-composite';
        case 'web':
          return 'web';
        case 'media':
          if (encoding.case === 'preset' && encoding.value === EncodingOptionsPreset.PASSTHROUGH) {
            return 'track';
          }
          return isTrackIdOnly(source.value) ? 'track-composite' : 'participant';
        default:
          return 'participant';
      }
    }
  }
}

/**
 * Whether a room composite (or v2 template) runs without Chromium, its room's audio mixed with
 * the SDK: audio-only, no layout and no custom base URL, as Go's `ShouldUseSDKSource`
 * (egress-go-behavior.md §5). It keeps the `room-composite` request type and job name.
 */
export function isSdkRoomComposite(request: EgressRequest): boolean {
  return requestTypeOf(request) === 'room-composite' && isSdkSourceRequest(request);
}

/**
 * The worker pool that runs a request: `track` (rtc-node) for every SDK source, the SDK room
 * composite ({@link isSdkRoomComposite}) included; `composite` (Chromium) for the rest.
 */
export function poolOfRequest(request: EgressRequest): Pool {
  return isSdkSourceRequest(request) ? 'track' : 'composite';
}

/** The BullMQ queue a request is enqueued on (its {@link poolOfRequest}'s queue). */
export function queueOf(request: EgressRequest): QueueName {
  return QUEUE_NAMES[poolOfRequest(request)];
}
