import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mutate, prng, randomBytes } from '../testing/fuzz.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import {
  PsrpcClaimRequest,
  PsrpcClaimResponse,
  PsrpcRequest,
  PsrpcResponse,
} from './internal-messages.js';

const seeds = [
  encodeEnvelope(
    new PsrpcRequest({
      requestId: 'REQ_startegress1',
      clientId: 'CLI_lkserver0001',
      sentAt: 1767225600000000000n,
      expiry: 1767225610000000000n,
      multi: true,
      metadata: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      rawRequest: Buffer.from('0a0745475f74657374', 'hex'),
    }),
  ),
  encodeEnvelope(
    new PsrpcResponse({
      requestId: 'REQ_startegress1',
      serverId: 'SRV_egressnode01',
      sentAt: 1767225600600000000n,
      error: 'not enough CPU',
      code: 'unavailable',
      rawResponse: Buffer.from('0a0745475f74657374', 'hex'),
    }),
  ),
  encodeEnvelope(new PsrpcClaimRequest({ requestId: 'REQ_a', serverId: 'SRV_b', affinity: 0.5 })),
  encodeEnvelope(new PsrpcClaimResponse({ requestId: 'REQ_a', serverId: 'SRV_b' })),
];

describe('decodeEnvelope fuzz', () => {
  it('never throws on 10,000 random buffers', () => {
    const random = prng(0x5eed);
    for (let i = 0; i < 10_000; i++) {
      const buffer = randomBytes(random, 96);
      assert.doesNotThrow(() => decodeEnvelope(buffer), `random buffer ${buffer.toString('hex')}`);
    }
  });

  it('never throws on 10,000 mutated valid envelopes, and answers null or a known kind', () => {
    const random = prng(0xc0ffee);
    const kinds = new Set(['request', 'response', 'claimRequest', 'claimResponse']);
    for (let i = 0; i < 10_000; i++) {
      const seed = seeds[i % seeds.length] as Buffer;
      const buffer = mutate(seed, random);
      let decoded: ReturnType<typeof decodeEnvelope> = null;
      assert.doesNotThrow(
        () => {
          decoded = decodeEnvelope(buffer);
        },
        `mutated buffer ${buffer.toString('hex')}`,
      );
      const result = decoded as ReturnType<typeof decodeEnvelope>;
      assert.ok(result === null || kinds.has(result.kind));
    }
  });
});
