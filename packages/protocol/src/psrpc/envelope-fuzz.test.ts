import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import {
  PsrpcClaimRequest,
  PsrpcClaimResponse,
  PsrpcRequest,
  PsrpcResponse,
} from './internal-messages.js';

// A small seeded PRNG (mulberry32) so a failure can be replayed from its seed.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

function mutate(seed: Buffer, random: () => number): Buffer {
  let result = Buffer.from(seed);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const op = Math.floor(random() * 4);
    const at = Math.floor(random() * result.length);
    if (op === 0) {
      result[at] = Math.floor(random() * 256);
    } else if (op === 1) {
      result = result.subarray(0, at);
    } else if (op === 2) {
      result = Buffer.concat([
        result.subarray(0, at),
        Buffer.from([Math.floor(random() * 256)]),
        result.subarray(at),
      ]);
    } else if (result.length > 0) {
      result[at] = (result[at] ?? 0) ^ (1 << Math.floor(random() * 8));
    }
  }
  return result;
}

describe('decodeEnvelope fuzz', () => {
  it('never throws on 10,000 random buffers', () => {
    const random = prng(0x5eed);
    for (let i = 0; i < 10_000; i++) {
      const length = Math.floor(random() * 96);
      const buffer = Buffer.alloc(length);
      for (let j = 0; j < length; j++) buffer[j] = Math.floor(random() * 256);
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
