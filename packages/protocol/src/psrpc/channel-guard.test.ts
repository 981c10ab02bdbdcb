import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EgressError } from '../errors.js';
import {
  assertEnvelopeFitsChannel,
  ENVELOPE_KIND_BY_CHANNEL_KIND,
  encodeForChannel,
  envelopeKindForChannel,
} from './channel-guard.js';
import { CHANNEL_KINDS } from './channels.js';
import { decodeEnvelope, type EnvelopeKind, type EnvelopeMessage } from './envelope.js';
import {
  PsrpcClaimRequest,
  PsrpcClaimResponse,
  PsrpcRequest,
  PsrpcResponse,
} from './internal-messages.js';

const channels = {
  REQ: 'EgressInternal|StartEgress|REQ',
  RCLAIM: 'EgressInternal|StartEgress|RCLAIM',
  RES: 'EgressInternal|CLI_lkserver0001|RES',
  CLAIM: 'EgressInternal|CLI_lkserver0001|CLAIM',
} as const;

const messages: Record<EnvelopeKind, () => EnvelopeMessage> = {
  request: () => new PsrpcRequest({ requestId: 'REQ_a', clientId: 'CLI_b', expiry: 1n }),
  response: () => new PsrpcResponse({ requestId: 'REQ_a', serverId: 'SRV_c' }),
  claimRequest: () => new PsrpcClaimRequest({ requestId: 'REQ_a', serverId: 'SRV_c', affinity: 1 }),
  claimResponse: () => new PsrpcClaimResponse({ requestId: 'REQ_a', serverId: 'SRV_c' }),
};

const isInternalError = (err: unknown) => err instanceof EgressError && err.code === 'internal';

describe('envelopeKindForChannel', () => {
  const cases: { name: string; input: (typeof CHANNEL_KINDS)[number]; want: EnvelopeKind }[] = [
    { name: 'REQ carries requests', input: 'REQ', want: 'request' },
    { name: 'RCLAIM carries claim responses', input: 'RCLAIM', want: 'claimResponse' },
    { name: 'RES carries responses', input: 'RES', want: 'response' },
    { name: 'CLAIM carries claim requests', input: 'CLAIM', want: 'claimRequest' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(envelopeKindForChannel(c.input), c.want);
    });
  }
});

describe('assertEnvelopeFitsChannel', () => {
  for (const channelKind of CHANNEL_KINDS) {
    for (const kind of Object.keys(messages) as EnvelopeKind[]) {
      const fits = ENVELOPE_KIND_BY_CHANNEL_KIND[channelKind] === kind;
      it(`${fits ? 'allows' : 'refuses'} a ${kind} on a ${channelKind} channel`, () => {
        const channel = channels[channelKind];
        const message = messages[kind]();
        if (fits) {
          assert.doesNotThrow(() => assertEnvelopeFitsChannel(channel, message));
          assert.doesNotThrow(() => assertEnvelopeFitsChannel(channel, kind));
        } else {
          assert.throws(() => assertEnvelopeFitsChannel(channel, message), isInternalError);
          assert.throws(() => assertEnvelopeFitsChannel(channel, kind), isInternalError);
        }
      });
    }
  }

  it('refuses a channel that is not a psrpc REQ, RCLAIM, RES or CLAIM channel', () => {
    assert.throws(
      () => assertEnvelopeFitsChannel('egress:info:EG_x', messages.request()),
      isInternalError,
    );
    assert.throws(
      () => assertEnvelopeFitsChannel('EgressInternal|NODE|STR', 'request'),
      isInternalError,
    );
  });

  it('refuses a message that is not a psrpc envelope', () => {
    const notEnvelope = { requestId: 'REQ_a' } as unknown as EnvelopeMessage;
    assert.throws(() => assertEnvelopeFitsChannel(channels.REQ, notEnvelope), isInternalError);
  });
});

describe('encodeForChannel', () => {
  it('encodes a message that fits its channel', () => {
    const payload = encodeForChannel(channels.CLAIM, messages.claimRequest());
    assert.equal(decodeEnvelope(payload)?.kind, 'claimRequest');
  });

  it('refuses a response on a claim channel, the mistake that crashes livekit-server', () => {
    assert.throws(() => encodeForChannel(channels.CLAIM, messages.response()), isInternalError);
  });
});
