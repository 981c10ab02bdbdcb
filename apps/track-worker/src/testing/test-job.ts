import {
  createEgressInfo,
  type EgressRequest,
  encodeJobPayload,
  type JobPayload,
  newEgressId,
} from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';

/** A new egress's id, its first info and the job payload the bridge would enqueue for it. */
export function testJob(
  request: EgressRequest,
  wsUrl: string,
  options: { cpuCost?: number; startDeadlineMs?: number } = {},
): { egressId: string; info: EgressInfo; payload: JobPayload } {
  const egressId = newEgressId();
  const info = createEgressInfo({ egressId, request });
  const payload = encodeJobPayload({
    request,
    info,
    wsUrl,
    cpuCost: options.cpuCost ?? 0.1,
    startDeadlineMs: options.startDeadlineMs ?? Date.now() + 60_000,
  });
  return { egressId, info, payload };
}
