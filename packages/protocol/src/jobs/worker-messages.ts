import type { EgressInfo } from '@livekit/protocol';
import { z } from 'zod';
import { REQUEST_TYPES, type RequestType } from '../request-types.js';
import { egressInfoFromJson, egressInfoToJson } from './job-payload.js';
import { MESSAGE_VERSION, parseVersioned } from './parse-versioned.js';
import { POOLS, type Pool } from './queue-names.js';

/**
 * A status report a worker sends as BullMQ job progress, version 1: the egress's whole
 * EgressInfo (protobuf JSON, request redacted) after each change, so Bull Board shows it and
 * the bridge fans it out (IOInfo, webhooks, Redis state).
 */
export const workerStatusSchema = z.object({
  version: z.literal(MESSAGE_VERSION),
  info: z.record(z.string(), z.unknown()),
});

/** A worker status report (see {@link workerStatusSchema}). */
export type WorkerStatusMessage = z.infer<typeof workerStatusSchema>;

/** The status report for an EgressInfo, ready for `job.updateProgress`. */
export function encodeWorkerStatus(info: EgressInfo): WorkerStatusMessage {
  return { version: MESSAGE_VERSION, info: egressInfoToJson(info) };
}

/**
 * The EgressInfo in a status report read from job progress.
 * @throws invalid_argument on an unknown version or an info that does not decode.
 */
export function parseWorkerStatus(raw: unknown): EgressInfo {
  const message = parseVersioned(workerStatusSchema, raw, 'worker status');
  return egressInfoFromJson(message.info, 'worker status info');
}

/**
 * What a worker can take, version 1, kept under `egress:capacity:<pool>:<workerId>` with a
 * short TTL and refreshed every second or so. The bridge reads every fresh one of a pool to
 * answer psrpc affinity ({@link affinityFor}).
 */
export const workerCapacitySchema = z.object({
  version: z.literal(MESSAGE_VERSION),
  /** Unique per worker process (`[A-Za-z0-9_.-]`). */
  workerId: z.string().min(1),
  pool: z.enum(POOLS as [Pool, ...Pool[]]),
  /** Cores on the machine (Go's `numCPU`). */
  cpuTotal: z.number().nonnegative().finite(),
  /**
   * Cores free for new work, as Go's monitor counts them: all of `cpuTotal` while idle, else
   * `cpuTotal * max_cpu_utilization − Σ max(pendingCost, measured)` (may go below 0).
   */
  cpuAvailable: z.number().finite(),
  /** Egresses running on this worker. */
  activeEgressIds: z.array(z.string()),
  /**
   * Checks beside CPU (memory, PulseAudio clients, draining): a type mapped to `false` cannot
   * be admitted whatever its cost. Missing types are decided by CPU alone.
   */
  canAccept: z.partialRecord(z.enum(REQUEST_TYPES), z.boolean()).optional(),
  /** Epoch ms of this report. */
  updatedAtMs: z.number().int().nonnegative(),
});

/** A worker capacity report (see {@link workerCapacitySchema}). */
export type WorkerCapacity = z.infer<typeof workerCapacitySchema>;

/**
 * A capacity report as the JSON string to store.
 * @throws invalid_argument when a field is missing or malformed.
 */
export function encodeWorkerCapacity(capacity: Omit<WorkerCapacity, 'version'>): string {
  return JSON.stringify(
    parseVersioned(
      workerCapacitySchema,
      { ...capacity, version: MESSAGE_VERSION },
      'worker capacity',
    ),
  );
}

/**
 * A stored capacity report (JSON string or object), checked.
 * @throws invalid_argument on an unknown version or a malformed field.
 */
export function parseWorkerCapacity(raw: unknown): WorkerCapacity {
  return parseVersioned(workerCapacitySchema, raw, 'worker capacity');
}

/** Options of {@link affinityFor}. */
export interface AffinityOptions {
  /** The request's type, checked against each worker's `canAccept`. */
  requestType?: RequestType;
  /** Now, epoch ms. @defaultValue `Date.now()` */
  nowMs?: number;
  /** Reports older than this are ignored (a dead worker stops refreshing). @defaultValue 5000 */
  maxAgeMs?: number;
  /** Set while the bridge drains: it then answers −1 like a shutting-down Go server. */
  isDisabled?: boolean;
}

/** psrpc affinities the Go server answers StartEgress claims with. */
export const AFFINITY = { reject: -1, idle: 0.5, busy: 1 } as const;

/**
 * The psrpc affinity for a StartEgress claim, by Go's `StartEgressAffinity` rule applied to a
 * pool: −1 when no fresh worker can admit `cost` (`cpuAvailable >= cost` and not refused by
 * `canAccept`); 1 when one that can is already running an egress (Go packs small jobs onto busy
 * servers, leaving idle ones for big composites); 0.5 when only idle ones can.
 */
export function affinityFor(
  cost: number,
  capacities: readonly WorkerCapacity[],
  options: AffinityOptions = {},
): number {
  if (options.isDisabled) return AFFINITY.reject;
  const nowMs = options.nowMs ?? Date.now();
  const maxAgeMs = options.maxAgeMs ?? 5000;
  let affinity: number = AFFINITY.reject;
  for (const capacity of capacities) {
    if (nowMs - capacity.updatedAtMs > maxAgeMs) continue;
    if (options.requestType && capacity.canAccept?.[options.requestType] === false) continue;
    if (capacity.cpuAvailable < cost) continue;
    if (capacity.activeEgressIds.length > 0) return AFFINITY.busy;
    affinity = AFFINITY.idle;
  }
  return affinity;
}
