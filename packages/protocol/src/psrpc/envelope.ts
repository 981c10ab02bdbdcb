import type { BinaryReadOptions, MessageType } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf';
import { EgressError } from '../errors.js';
import {
  PsrpcClaimRequest,
  PsrpcClaimResponse,
  PsrpcMsg,
  PsrpcRequest,
  PsrpcResponse,
} from './internal-messages.js';

/** Prefix of every type URL psrpc writes; receivers only look at the part after the last `/`. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** A decoded psrpc message, told apart by `kind`. */
export type Envelope =
  | { kind: 'request'; message: PsrpcRequest }
  | { kind: 'response'; message: PsrpcResponse }
  | { kind: 'claimRequest'; message: PsrpcClaimRequest }
  | { kind: 'claimResponse'; message: PsrpcClaimResponse };

/** Which of the four psrpc message types an envelope holds. */
export type EnvelopeKind = Envelope['kind'];

/** One of the four inner messages that may be published. */
export type EnvelopeMessage = Envelope['message'];

// Non-streaming decode() keeps no state between calls, so one decoder serves every reader.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Binary read options with Go's strictness: a string field with invalid UTF-8 fails to decode,
 * as protobuf-go refuses it for proto3 strings. Use them to decode `raw_request` payloads too.
 * Unknown fields are dropped, as psrpc's receiver does.
 */
export const PSRPC_READ_OPTIONS: Readonly<Partial<BinaryReadOptions>> = Object.freeze({
  readUnknownFields: false,
  readerFactory: (bytes: Uint8Array) => new BinaryReader(bytes, strictUtf8),
});

/** Each kind's message class; its protobuf `typeName` is what the type URL ends in. */
const MESSAGE_TYPE_BY_KIND: Readonly<Record<EnvelopeKind, MessageType<EnvelopeMessage>>> = {
  request: PsrpcRequest,
  response: PsrpcResponse,
  claimRequest: PsrpcClaimRequest,
  claimResponse: PsrpcClaimResponse,
};

const ENVELOPE_KINDS = Object.keys(MESSAGE_TYPE_BY_KIND) as EnvelopeKind[];

/**
 * The kind of an inner message, or `null` for anything that is not one of the four classes.
 */
export function envelopeKindOf(message: unknown): EnvelopeKind | null {
  return ENVELOPE_KINDS.find((kind) => message instanceof MESSAGE_TYPE_BY_KIND[kind]) ?? null;
}

/**
 * Wraps one inner message in an `internal.Msg` with type URL
 * `type.googleapis.com/internal.<Request|Response|ClaimRequest|ClaimResponse>`, ready to PUBLISH.
 * Only non-default fields are written, in field-number order, so the bytes match protobuf-go.
 * Publish only on a channel of the matching kind: see `assertEnvelopeFitsChannel`.
 * @throws EgressError `internal` when `message` is not one of the four psrpc message classes.
 */
export function encodeEnvelope(message: EnvelopeMessage): Buffer {
  if (envelopeKindOf(message) === null) {
    throw EgressError.internal('psrpc: only Request, Response, ClaimRequest or ClaimResponse');
  }
  const outer = new PsrpcMsg({
    typeUrl: TYPE_URL_PREFIX + message.getType().typeName,
    value: message.toBinary(),
  });
  const bytes = outer.toBinary();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes a published psrpc payload. Returns `null`, never throws, for garbage, truncated bytes,
 * invalid UTF-8 and type URLs other than the four `internal.*` messages: psrpc drops those too
 * (an `internal.Stream` is dropped here as well, since no egress method streams).
 */
export function decodeEnvelope(payload: Uint8Array): Envelope | null {
  try {
    const outer = PsrpcMsg.fromBinary(payload, PSRPC_READ_OPTIONS);
    const name = outer.typeUrl.slice(outer.typeUrl.lastIndexOf('/') + 1);
    const kind = ENVELOPE_KINDS.find((k) => MESSAGE_TYPE_BY_KIND[k].typeName === name);
    if (kind === undefined) return null;
    const message = MESSAGE_TYPE_BY_KIND[kind].fromBinary(outer.value, PSRPC_READ_OPTIONS);
    // `message` is of the class MESSAGE_TYPE_BY_KIND names for `kind`, which is what Envelope pairs.
    return { kind, message } as Envelope;
  } catch {
    // Malformed bytes: psrpc's subscription drops a message it cannot decode, and so do we; the
    // caller sees null and may count it.
    return null;
  }
}
