import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  controlReplyResult,
  createEgressInfo,
  type EgressRequest,
  egressControlChannel,
  egressReplyChannel,
  encodeControlMessage,
  encodeJobPayload,
  newEgressId,
  parseControlReply,
  parseWorkerStatus,
} from '@egress/protocol';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';
import { Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** How long the helpers wait for a status or a result. */
const WAIT_MS = 60_000;

/** Enqueues a job the way the bridge does (jobId = egress id); returns the egress id. */
export async function enqueue(
  target: Queue,
  request: EgressRequest,
  options: { startDeadlineMs?: number; cpuCost?: number } = {},
): Promise<string> {
  const egressId = newEgressId();
  const info = createEgressInfo({ egressId, request });
  const payload = encodeJobPayload({
    request,
    info,
    wsUrl: '',
    cpuCost: options.cpuCost ?? 0.5,
    startDeadlineMs: options.startDeadlineMs ?? Date.now() + 60_000,
  });
  await target.add(payload.requestType, payload, { jobId: egressId });
  return egressId;
}

/** The last status the worker reported as job progress. */
export async function progressOf(target: Queue, egressId: string): Promise<EgressInfo | undefined> {
  const job = await Job.fromId(target, egressId);
  if (!job || typeof job.progress !== 'object' || job.progress === null) return undefined;
  return parseWorkerStatus(job.progress);
}

/** Waits until the reported info satisfies `isDone`. */
export async function waitForInfo(
  target: Queue,
  egressId: string,
  isDone: (info: EgressInfo) => boolean,
  timeoutMs = WAIT_MS,
): Promise<EgressInfo> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = await progressOf(target, egressId);
    if (info && isDone(info)) return info;
    await sleep(100);
  }
  throw new Error(`egress ${egressId} did not reach the expected state`);
}

/** Waits until the worker reports `status`. */
export async function waitForStatus(
  target: Queue,
  egressId: string,
  status: EgressStatus,
): Promise<EgressInfo> {
  return waitForInfo(target, egressId, (info) => info.status === status).catch(() => {
    throw new Error(`egress ${egressId} did not reach ${EgressStatus[status]}`);
  });
}

/** Waits for the job's final status (its return value). */
export async function waitForResult(target: Queue, egressId: string): Promise<EgressInfo> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const job = await Job.fromId(target, egressId);
    if (job?.finishedOn) {
      assert.ok(job.returnvalue, `job failed: ${job.failedReason}`);
      return parseWorkerStatus(job.returnvalue);
    }
    await sleep(200);
  }
  throw new Error(`egress ${egressId} did not end`);
}

/** A control message body, as the bridge sends them. */
export type ControlBody =
  | { type: 'stop' }
  | { type: 'update-layout'; layout: string }
  | { type: 'update-stream'; addOutputUrls?: string[]; removeOutputUrls?: string[] };

/**
 * Sends a control message and republishes it until the reply comes, as the bridge's control
 * client does (so the worker sees the same request id several times and must apply it once).
 */
export async function sendControl(
  client: Redis,
  egressId: string,
  body: ControlBody,
): Promise<EgressInfo> {
  const requestId = randomUUID();
  const replyTo = egressReplyChannel(requestId);
  const sub = client.duplicate();
  try {
    await sub.subscribe(replyTo);
    const reply = once(sub, 'message');
    const message = encodeControlMessage({ ...body, requestId, replyTo, egressId });
    for (let i = 0; i < 3; i++) await client.publish(egressControlChannel(egressId), message);
    let replied = false;
    const republish = (async () => {
      while (!replied) {
        await client.publish(egressControlChannel(egressId), message);
        await sleep(250);
      }
    })();
    const [, raw] = (await reply) as [string, string];
    replied = true;
    await republish;
    return controlReplyResult(parseControlReply(raw));
  } finally {
    sub.disconnect();
  }
}

/** Stops an egress through its control channel. */
export function sendStop(client: Redis, egressId: string): Promise<EgressInfo> {
  return sendControl(client, egressId, { type: 'stop' });
}
