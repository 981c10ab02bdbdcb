import { parseJobPayload, requestFromJson } from '@egress/protocol';
import type { EgressInfo, WebhookConfig } from '@livekit/protocol';
import type { EgressQueues } from '../intake/egress-queues.js';

/**
 * A resolver for `WebhookNotifier`'s `resolveRequestWebhooks`: an egress's request
 * webhooks with their signing keys, read from its BullMQ job (the job holds the request
 * unredacted; stored infos do not).
 * @throws when the job is gone or its payload is not readable.
 */
export function jobRequestWebhooks(
  queues: EgressQueues,
): (info: EgressInfo) => Promise<readonly WebhookConfig[]> {
  return async (info) => {
    const job = await queues.job(info);
    if (!job) throw new Error(`the job of egress ${info.egressId} is gone`);
    const request = requestFromJson(parseJobPayload(job.data).request);
    return request.value.webhooks;
  };
}
