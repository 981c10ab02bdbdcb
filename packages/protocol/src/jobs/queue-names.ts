import { EgressError } from '../errors.js';
import type { RequestType } from '../request-types.js';

/**
 * BullMQ queue names, one per worker pool (CONVENTIONS §13). BullMQ forbids `:` in queue names,
 * hence the dash.
 */
export const QUEUE_NAMES = {
  composite: 'egress-composite',
  track: 'egress-track',
} as const;

/** A worker pool: `composite` runs Chromium (room composite, web), `track` runs rtc-node. */
export type Pool = keyof typeof QUEUE_NAMES;

/** Every pool, in a stable order. */
export const POOLS: readonly Pool[] = ['composite', 'track'];

/** A queue name. */
export type QueueName = (typeof QUEUE_NAMES)[Pool];

/**
 * How long a worker's lock on a running job lives, milliseconds (BullMQ `lockDuration`; the
 * worker renews it every half of it). A dead worker stops renewing, so the bridge's stall check
 * (every {@link STALL_CHECK_INTERVAL_MS}) ends its egress within about the sum of both: issue
 * #8 asks for FAILED within 30 s, which BullMQ's defaults (30 s lock, 30 s check) miss.
 */
export const JOB_LOCK_MS = 15_000;

/** How often the bridge looks for jobs whose worker lock expired, milliseconds. */
export const STALL_CHECK_INTERVAL_MS = 5000;

const POOL_OF_TYPE: Record<RequestType, Pool> = {
  'room-composite': 'composite',
  web: 'composite',
  participant: 'track',
  'track-composite': 'track',
  track: 'track',
};

/** The pool that runs a request type: Chromium work goes to `composite`, the rest to `track`. */
export function poolOf(type: RequestType): Pool {
  return POOL_OF_TYPE[type];
}

/** The BullMQ queue a request type is enqueued on; the job name is the request type itself. */
export function queueForRequestType(type: RequestType): QueueName {
  return QUEUE_NAMES[poolOf(type)];
}

// Ids that go into our Redis names: no `|` (psrpc's space), no `:` (our separator), no spaces.
const NAME_PART = /^[A-Za-z0-9_.-]+$/;

function checkPart(what: string, value: string): string {
  if (!NAME_PART.test(value)) {
    throw EgressError.invalidArgument(
      `${what} must be non-empty and use only letters, digits, '_', '.' or '-'`,
    );
  }
  return value;
}

/**
 * Redis key holding an egress's EgressInfo (protobuf JSON) in standalone mode:
 * `egress:info:<egressId>`.
 * @throws invalid_argument when the id holds characters outside `[A-Za-z0-9_.-]`.
 */
export function egressInfoKey(egressId: string): string {
  return `egress:info:${checkPart('egressId', egressId)}`;
}

/**
 * Redis pub/sub channel on which a running egress receives control messages (stop, update
 * stream, update layout): `egress:control:<egressId>`.
 * @throws invalid_argument when the id holds characters outside `[A-Za-z0-9_.-]`.
 */
export function egressControlChannel(egressId: string): string {
  return `egress:control:${checkPart('egressId', egressId)}`;
}

/**
 * Redis pub/sub channel a control message's sender listens on for the reply:
 * `egress:reply:<requestId>`.
 * @throws invalid_argument when the id holds characters outside `[A-Za-z0-9_.-]`.
 */
export function egressReplyChannel(requestId: string): string {
  return `egress:reply:${checkPart('requestId', requestId)}`;
}

/**
 * Redis key where a worker publishes its capacity message (with a short TTL):
 * `egress:capacity:<pool>:<workerId>`.
 * @throws invalid_argument when the worker id holds characters outside `[A-Za-z0-9_.-]`.
 */
export function egressCapacityKey(pool: Pool, workerId: string): string {
  return `egress:capacity:${pool}:${checkPart('workerId', workerId)}`;
}

/** SCAN match pattern for every capacity key of a pool: `egress:capacity:<pool>:*`. */
export function egressCapacityPattern(pool: Pool): string {
  return `egress:capacity:${pool}:*`;
}
