import { EgressError } from '../errors.js';
import { type ChannelKind, channelKindOf } from './channels.js';
import {
  type EnvelopeKind,
  type EnvelopeMessage,
  encodeEnvelope,
  envelopeKindOf,
} from './envelope.js';

/**
 * The only envelope kind each channel kind may carry. psrpc's Go subscription type-asserts
 * without checking, so a well-formed message of another type on a channel crashes livekit-server
 * (psrpc-wire.md §3.1).
 */
export const ENVELOPE_KIND_BY_CHANNEL_KIND = {
  REQ: 'request',
  RCLAIM: 'claimResponse',
  RES: 'response',
  CLAIM: 'claimRequest',
} as const satisfies Record<ChannelKind, EnvelopeKind>;

/** The envelope kind a channel of kind `K` carries, at the type level. */
export type EnvelopeKindForChannel<K extends ChannelKind> =
  (typeof ENVELOPE_KIND_BY_CHANNEL_KIND)[K];

/** The envelope kind that may be published on a channel of kind `kind`. */
export function envelopeKindForChannel<K extends ChannelKind>(kind: K): EnvelopeKindForChannel<K> {
  return ENVELOPE_KIND_BY_CHANNEL_KIND[kind];
}

/**
 * Throws unless `envelope` may be published on `channel`: requests on `...|REQ`, claim responses
 * on `...|RCLAIM`, responses on `...|RES`, claim requests on `...|CLAIM`. Call it before every
 * PUBLISH of a psrpc message.
 * @param envelope - the inner message to publish, or its kind.
 * @throws EgressError `internal` on a mismatch, or when `channel` is not a psrpc REQ, RCLAIM,
 * RES or CLAIM channel.
 */
export function assertEnvelopeFitsChannel(
  channel: string,
  envelope: EnvelopeKind | EnvelopeMessage,
): void {
  const channelKind = channelKindOf(channel);
  if (channelKind === null) {
    throw EgressError.internal(
      `psrpc: ${channel} is not a REQ, RCLAIM, RES or CLAIM channel; build it with the channel helpers`,
    );
  }
  const kind = typeof envelope === 'string' ? envelope : envelopeKindOf(envelope);
  const expected = ENVELOPE_KIND_BY_CHANNEL_KIND[channelKind];
  if (kind !== expected) {
    throw EgressError.internal(
      `psrpc: refusing to publish a ${kind ?? 'non-psrpc message'} on ${channel}; its subscribers accept only a ${expected}`,
    );
  }
}

/**
 * {@link assertEnvelopeFitsChannel} then `encodeEnvelope`: the bytes to PUBLISH on `channel`.
 * @throws EgressError `internal` when the message does not fit the channel.
 */
export function encodeForChannel(channel: string, message: EnvelopeMessage): Buffer {
  assertEnvelopeFitsChannel(channel, message);
  return encodeEnvelope(message);
}
