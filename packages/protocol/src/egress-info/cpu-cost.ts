import { EncodingOptionsPreset } from '@livekit/protocol';
import type { EgressRequest } from '../request-types.js';
import { isSdkRoomComposite } from './request-type.js';

/**
 * CPU cost, in cores, that admission reserves per request type (Go's `cpu_cost` config block).
 * The config loader produces an object with these fields; take a `Pick` where fewer are needed.
 */
export interface CpuCosts {
  /** Room composite with video. @defaultValue 4 */
  roomCompositeCpuCost: number;
  /** Audio-only room composite through Chromium (a layout or custom template). @defaultValue 1 */
  audioRoomCompositeCpuCost: number;
  /** Audio-only room composite mixed with the SDK (no Chromium). @defaultValue 1 */
  sdkAudioRoomCompositeCpuCost: number;
  /** Web egress with video. @defaultValue 4 */
  webCpuCost: number;
  /** Audio-only web egress. @defaultValue 1 */
  audioWebCpuCost: number;
  /** Participant egress (and non-passthrough v2 media). @defaultValue 2 */
  participantCpuCost: number;
  /** Track composite egress. @defaultValue 1 */
  trackCompositeCpuCost: number;
  /** Track egress (and v2 passthrough media). @defaultValue 0.5 */
  trackCpuCost: number;
}

/** Go's defaults (livekit/egress pkg/config/service.go). */
export const DEFAULT_CPU_COSTS: Readonly<CpuCosts> = Object.freeze({
  roomCompositeCpuCost: 4,
  audioRoomCompositeCpuCost: 1,
  sdkAudioRoomCompositeCpuCost: 1,
  webCpuCost: 4,
  audioWebCpuCost: 1,
  participantCpuCost: 2,
  trackCompositeCpuCost: 1,
  trackCpuCost: 0.5,
});

/**
 * Cores to reserve for a request, chosen as Go's `Monitor.costsForRequest` does:
 * room composite (or v2 template) 4, or 1 when audio-only (`sdk_audio_room_composite_cpu_cost`,
 * by default the same 1, when it runs with the SDK: {@link isSdkRoomComposite}); web 4, audio web 1;
 * participant 2; track composite 1; track 0.5. A v2 media source costs a track when its preset
 * is `PASSTHROUGH` and a participant otherwise (Go costs it so even when
 * `requestTypeOf` calls it a track composite).
 *
 * @param estimatedCpu the server's `StartEgressRequest.estimated_cpu`; when above 0 it wins,
 *   as in Go's admission check.
 */
export function cpuCostOf(request: EgressRequest, costs: CpuCosts, estimatedCpu = 0): number {
  if (estimatedCpu > 0) return estimatedCpu;
  if (isSdkRoomComposite(request)) return costs.sdkAudioRoomCompositeCpuCost;
  switch (request.case) {
    case 'roomComposite':
      return request.value.audioOnly ? costs.audioRoomCompositeCpuCost : costs.roomCompositeCpuCost;
    case 'web':
      return request.value.audioOnly ? costs.audioWebCpuCost : costs.webCpuCost;
    case 'participant':
      return costs.participantCpuCost;
    case 'trackComposite':
      return costs.trackCompositeCpuCost;
    case 'track':
      return costs.trackCpuCost;
    case 'egress': {
      const { source, encoding } = request.value;
      switch (source.case) {
        case 'template':
          return source.value.audioOnly
            ? costs.audioRoomCompositeCpuCost
            : costs.roomCompositeCpuCost;
        case 'web':
          return source.value.audioOnly ? costs.audioWebCpuCost : costs.webCpuCost;
        case 'media':
          return encoding.case === 'preset' && encoding.value === EncodingOptionsPreset.PASSTHROUGH
            ? costs.trackCpuCost
            : costs.participantCpuCost;
        default:
          // Go leaves the cost at 0 here; validation rejects a request without a source.
          return 0;
      }
    }
  }
}
