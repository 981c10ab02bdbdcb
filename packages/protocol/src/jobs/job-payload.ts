import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import {
  EgressInfo,
  ParticipantEgressRequest,
  RoomCompositeEgressRequest,
  StartEgressRequest,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
  WebEgressRequest,
} from '@livekit/protocol';
import { z } from 'zod';
import { requestTypeOf } from '../egress-info/request-type.js';
import { EgressError } from '../errors.js';
import { type EgressRequest, REQUEST_TYPES } from '../request-types.js';
import { MESSAGE_VERSION, parseVersioned } from './parse-versioned.js';

/** The `case` names of {@link EgressRequest}, as in `EgressInfo.request`. */
export const REQUEST_CASES = [
  'roomComposite',
  'web',
  'participant',
  'trackComposite',
  'track',
  'egress',
] as const;

const protobufJsonObject = z.record(z.string(), z.unknown());

/** A request as protobuf JSON with its case: `{ case: 'roomComposite', value: {...} }`. */
export const requestJsonSchema = z.object({
  case: z.enum(REQUEST_CASES),
  value: protobufJsonObject,
});

/** A request as protobuf JSON with its case. */
export type RequestJson = z.infer<typeof requestJsonSchema>;

/**
 * The data of a BullMQ egress job, version 1. It holds secrets (the unredacted request with its
 * storage keys and stream keys, and the room token): job data is never logged, and Bull Board
 * must not be exposed without authentication.
 */
export const jobPayloadSchema = z.object({
  version: z.literal(MESSAGE_VERSION),
  /** Same as the job id. */
  egressId: z.string().min(1),
  /** Same as the job name. */
  requestType: z.enum(REQUEST_TYPES),
  /** The request as received, secrets included, as protobuf JSON. */
  request: requestJsonSchema,
  /**
   * The EgressInfo as the bridge created and returned it (STARTING, request redacted), as
   * protobuf JSON: the worker continues from it so ids, times and result placeholders match.
   */
  info: protobufJsonObject,
  /** Room token from the request or minted by the bridge; absent for web egress. */
  token: z.string().min(1).optional(),
  /** LiveKit server URL the worker joins; empty for web egress. */
  wsUrl: z.string(),
  /** Cores admission reserves for this job. */
  cpuCost: z.number().nonnegative().finite(),
  /** Epoch ms after which a job no worker has started ends ABORTED instead of starting late. */
  startDeadlineMs: z.number().int().nonnegative(),
  /** Epoch ms at which the bridge enqueued the job (queue wait metrics). */
  enqueuedAtMs: z.number().int().nonnegative(),
});

/** The data of a BullMQ egress job (see {@link jobPayloadSchema}). */
export type JobPayload = z.infer<typeof jobPayloadSchema>;

/** A request as protobuf JSON with its case (`toJson` of the message). */
export function requestToJson(request: EgressRequest): RequestJson {
  return { case: request.case, value: request.value.toJson() as JsonObject };
}

// The JSON came through JSON.parse or a zod check of a plain object, so it is JSON.
function asJson(value: Record<string, unknown>): JsonValue {
  return value as JsonObject;
}

/**
 * The request from its protobuf JSON.
 * @throws invalid_argument when the JSON is not a valid message of its case.
 */
export function requestFromJson(json: RequestJson): EgressRequest {
  try {
    const value = asJson(json.value);
    switch (json.case) {
      case 'roomComposite':
        return { case: json.case, value: RoomCompositeEgressRequest.fromJson(value) };
      case 'web':
        return { case: json.case, value: WebEgressRequest.fromJson(value) };
      case 'participant':
        return { case: json.case, value: ParticipantEgressRequest.fromJson(value) };
      case 'trackComposite':
        return { case: json.case, value: TrackCompositeEgressRequest.fromJson(value) };
      case 'track':
        return { case: json.case, value: TrackEgressRequest.fromJson(value) };
      case 'egress':
        return { case: json.case, value: StartEgressRequest.fromJson(value) };
    }
  } catch {
    // The protobuf error text may quote field values (secrets), so it is dropped on purpose.
    throw EgressError.invalidArgument(`request: not a valid ${json.case} request in protobuf JSON`);
  }
}

/**
 * An EgressInfo from its protobuf JSON.
 * @throws invalid_argument when the JSON is not a valid EgressInfo.
 */
export function egressInfoFromJson(json: Record<string, unknown>, what = 'info'): EgressInfo {
  try {
    return EgressInfo.fromJson(asJson(json));
  } catch {
    // The protobuf error text may quote field values, so it is dropped on purpose.
    throw EgressError.invalidArgument(`${what}: not a valid EgressInfo in protobuf JSON`);
  }
}

/** An EgressInfo as protobuf JSON. */
export function egressInfoToJson(info: EgressInfo): Record<string, unknown> {
  return info.toJson() as JsonObject;
}

/** What {@link encodeJobPayload} needs. */
export interface EncodeJobPayloadInput {
  /** The request as received, secrets included. */
  request: EgressRequest;
  /** The EgressInfo returned to the caller; its `egressId` is the job's. */
  info: EgressInfo;
  /** Room token; leave out for web egress. */
  token?: string;
  /** LiveKit server URL; '' for web egress. */
  wsUrl: string;
  /** Cores to reserve (`cpuCostOf`). */
  cpuCost: number;
  /** Epoch ms by which a worker must start the job. */
  startDeadlineMs: number;
  /** Epoch ms of enqueueing. @defaultValue `Date.now()` */
  enqueuedAtMs?: number;
}

/** Builds the version 1 job data; `requestType` is derived from the request. */
export function encodeJobPayload(input: EncodeJobPayloadInput): JobPayload {
  const payload: JobPayload = {
    version: MESSAGE_VERSION,
    egressId: input.info.egressId,
    requestType: requestTypeOf(input.request),
    request: requestToJson(input.request),
    info: egressInfoToJson(input.info),
    wsUrl: input.wsUrl,
    cpuCost: input.cpuCost,
    startDeadlineMs: Math.round(input.startDeadlineMs),
    enqueuedAtMs: Math.round(input.enqueuedAtMs ?? Date.now()),
  };
  if (input.token !== undefined && input.token !== '') payload.token = input.token;
  return payload;
}

/**
 * Checks job data read from a queue: the version first (anything but 1 is rejected, naming the
 * version), then every field, then that the request and info decode and agree with the
 * payload's `egressId` and `requestType`.
 * @throws invalid_argument saying what is wrong (never quoting values).
 */
export function parseJobPayload(raw: unknown): JobPayload {
  const payload = parseVersioned(jobPayloadSchema, raw, 'job payload');
  const request = requestFromJson(payload.request);
  const info = egressInfoFromJson(payload.info, 'job payload info');
  if (info.egressId !== payload.egressId) {
    throw EgressError.invalidArgument('job payload: info.egressId differs from egressId');
  }
  if (requestTypeOf(request) !== payload.requestType) {
    throw EgressError.invalidArgument(
      `job payload: requestType ${payload.requestType} does not match the ${payload.request.case} request`,
    );
  }
  return payload;
}

/** The request of a parsed job payload, secrets included. */
export function decodeJobRequest(payload: JobPayload): EgressRequest {
  return requestFromJson(payload.request);
}

/** The EgressInfo of a parsed job payload. */
export function decodeJobInfo(payload: JobPayload): EgressInfo {
  return egressInfoFromJson(payload.info, 'job payload info');
}
