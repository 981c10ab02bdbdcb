import type { EgressInfo } from '@livekit/protocol';
import { z } from 'zod';
import { END_REASONS, type EndReason } from '../egress-info/transitions.js';
import { EgressError, ERROR_CODES, type ErrorCode } from '../errors.js';
import { egressInfoFromJson, egressInfoToJson } from './job-payload.js';
import { MESSAGE_VERSION, parseVersioned } from './parse-versioned.js';
import { egressControlChannel } from './queue-names.js';

const envelope = {
  version: z.literal(MESSAGE_VERSION),
  /** Unique per request; the reply carries it back. */
  requestId: z.string().min(1),
  /** Channel the sender listens on for the reply (`egressReplyChannel(requestId)`). */
  replyTo: z.string().min(1),
  /** The egress addressed; a receiver ignores messages for another id. */
  egressId: z.string().min(1),
};

const endReasons = Object.values(END_REASONS) as [EndReason, ...EndReason[]];

/**
 * A control message published on `egress:control:<egressId>`, version 1:
 * - `stop`: end the egress (Go's StopEgress; `endReason` defaults to "StopEgress API");
 * - `update-stream`: add and remove stream URLs (Go's UpdateStream);
 * - `update-layout`: switch the composite template's layout.
 * `update-stream` holds stream URLs with their keys: never log a control message whole.
 */
export const controlMessageSchema = z.discriminatedUnion('type', [
  z.object({
    ...envelope,
    type: z.literal('stop'),
    endReason: z.enum(endReasons).optional(),
  }),
  z.object({
    ...envelope,
    type: z.literal('update-stream'),
    addOutputUrls: z.array(z.string().min(1)).default([]),
    removeOutputUrls: z.array(z.string().min(1)).default([]),
  }),
  z.object({
    ...envelope,
    type: z.literal('update-layout'),
    layout: z.string(),
  }),
]);

/** A control message (see {@link controlMessageSchema}). */
export type ControlMessage = z.infer<typeof controlMessageSchema>;

/** The kinds of control message. */
export type ControlMessageType = ControlMessage['type'];

const errorJsonSchema = z.object({
  code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  details: z.record(z.string(), z.string()).optional(),
});

/**
 * The reply to a control message, published on its `replyTo` channel, version 1: the egress's
 * EgressInfo after the change (protobuf JSON), or the error.
 */
export const controlReplySchema = z.discriminatedUnion('ok', [
  z.object({
    version: z.literal(MESSAGE_VERSION),
    requestId: z.string().min(1),
    ok: z.literal(true),
    info: z.record(z.string(), z.unknown()),
  }),
  z.object({
    version: z.literal(MESSAGE_VERSION),
    requestId: z.string().min(1),
    ok: z.literal(false),
    error: errorJsonSchema,
  }),
]);

/** A control reply (see {@link controlReplySchema}). */
export type ControlReply = z.infer<typeof controlReplySchema>;

type WithoutVersion<M> = M extends unknown ? Omit<M, 'version'> : never;

/**
 * Control message fields without the version, which {@link encodeControlMessage} adds; the URL
 * lists of `update-stream` may be left out.
 */
export type ControlMessageInput = WithoutVersion<z.input<typeof controlMessageSchema>>;

/**
 * A control message as the JSON string to publish.
 * @throws invalid_argument when a field is missing or malformed.
 */
export function encodeControlMessage(message: ControlMessageInput): string {
  const full = parseVersioned(
    controlMessageSchema,
    { ...message, version: MESSAGE_VERSION },
    'control message',
  );
  return JSON.stringify(full);
}

/**
 * A received control message (JSON string or object), checked.
 * @throws invalid_argument on an unknown version, an unknown type or a malformed field.
 */
export function parseControlMessage(raw: unknown): ControlMessage {
  return parseVersioned(controlMessageSchema, raw, 'control message');
}

/**
 * The control message a worker received on `channel`, or undefined when it is malformed (it
 * names no reply channel to trust, so nothing can be answered) or not for that channel's egress.
 */
export function parseControlMessageOn(channel: string, raw: unknown): ControlMessage | undefined {
  let message: ControlMessage;
  try {
    message = parseControlMessage(raw);
  } catch {
    return undefined;
  }
  return egressControlChannel(message.egressId) === channel ? message : undefined;
}

/** A success reply carrying the egress's info after the change, as the JSON string to publish. */
export function encodeControlReplyOk(requestId: string, info: EgressInfo): string {
  const reply: ControlReply = {
    version: MESSAGE_VERSION,
    requestId,
    ok: true,
    info: egressInfoToJson(info),
  };
  return JSON.stringify(reply);
}

/** An error reply, as the JSON string to publish; the error's text must hold no secret. */
export function encodeControlReplyError(requestId: string, error: EgressError): string {
  const reply: ControlReply = {
    version: MESSAGE_VERSION,
    requestId,
    ok: false,
    error: error.toJSON(),
  };
  return JSON.stringify(reply);
}

/**
 * A received control reply (JSON string or object), checked.
 * @throws invalid_argument on an unknown version or a malformed field.
 */
export function parseControlReply(raw: unknown): ControlReply {
  const reply = parseVersioned(controlReplySchema, raw, 'control reply');
  if (reply.ok) egressInfoFromJson(reply.info, 'control reply info');
  return reply;
}

/**
 * The outcome of a control reply: the EgressInfo, or the error rebuilt and thrown.
 * @throws EgressError the egress answered with.
 */
export function controlReplyResult(reply: ControlReply): EgressInfo {
  if (!reply.ok) throw EgressError.fromJSON(reply.error);
  return egressInfoFromJson(reply.info, 'control reply info');
}
