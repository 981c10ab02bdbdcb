import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { sanitize } from './channels.js';
import {
  isExpired,
  newClientId,
  newRequestId,
  newServerId,
  nowNs,
  PSRPC_ID_ALPHABET,
  queueLockKey,
} from './ids.js';

describe('psrpc ids', () => {
  const cases: { name: string; input: () => string; want: RegExp }[] = [
    {
      name: 'client ids are CLI_ and 12 alphanumerics',
      input: newClientId,
      want: /^CLI_[a-zA-Z0-9]{12}$/,
    },
    {
      name: 'server ids are SRV_ and 12 alphanumerics',
      input: newServerId,
      want: /^SRV_[a-zA-Z0-9]{12}$/,
    },
    {
      name: 'request ids are REQ_ and 12 alphanumerics',
      input: newRequestId,
      want: /^REQ_[a-zA-Z0-9]{12}$/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      for (let i = 0; i < 200; i++) {
        const id = c.input();
        assert.match(id, c.want);
        // channel-safe: sanitising changes nothing
        assert.equal(sanitize(id), id);
      }
    });
  }

  it('does not repeat ids', () => {
    const ids = new Set(Array.from({ length: 5000 }, newRequestId));
    assert.equal(ids.size, 5000);
  });

  it("uses every character of psrpc's alphabet", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const ch of newServerId().slice(4)) seen.add(ch);
    assert.equal(seen.size, PSRPC_ID_ALPHABET.length);
    assert.equal(PSRPC_ID_ALPHABET.length, 62);
  });
});

describe('nowNs', () => {
  it('is Unix time in nanoseconds as a bigint', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const now = nowNs();
    const after = BigInt(Date.now()) * 1_000_000n;
    assert.equal(typeof now, 'bigint');
    assert.ok(now >= before && now <= after);
  });
});

describe('isExpired', () => {
  const expiry = 1767225610000000000n;
  const cases: { name: string; input: { expiry: bigint; at: bigint }; want: boolean }[] = [
    { name: 'keeps a request before its expiry', input: { expiry, at: expiry - 1n }, want: false },
    { name: 'drops a request exactly at its expiry', input: { expiry, at: expiry }, want: true },
    { name: 'drops a request after its expiry', input: { expiry, at: expiry + 1n }, want: true },
    {
      name: 'drops a request with no expiry as Go does',
      input: { expiry: 0n, at: expiry },
      want: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(isExpired({ expiry: c.input.expiry }, c.input.at), c.want);
    });
  }
});

describe('queueLockKey', () => {
  // Published bytes of psrpc-wire.md §8 V5 (IOInfo.UpdateEgress) and V6 (StopEgress), with the
  // lock keys given there.
  const cases: { name: string; input: string; want: string }[] = [
    {
      name: 'V5 UpdateEgress request',
      input:
        '0a24747970652e676f6f676c65617069732e636f6d2f696e7465726e616c2e5265717565737412b7010a105245515f7570646174656567726573731210434c495f6567726573736272696467651880e4ffbfb1ca9cc3182080bc8ea1a1cb9cc318427d0a0745475f746573741207524d5f746573741801222e0a076d792d726f6f6d1207737065616b65725a1a080112167265636f7264696e67732f45475f746573742e6d70345080ca9ddea0ca9cc3186a076d792d726f6f6d8201180a167265636f7264696e67732f45475f746573742e6d7034900180e4ffbfb1ca9cc318',
      want: 'MvGBllgNmj+WXtw3yH2vyA+M909YpBl2nAGcLHtJQMU=',
    },
    {
      name: 'V6 StopEgress request',
      input:
        '0a24747970652e676f6f676c65617069732e636f6d2f696e7465726e616c2e5265717565737412430a105245515f73746f7065677265737330311210434c495f6c6b68616e646c65723030311880d0c3b393cd9cc31820808c85ca9ecd9cc31842090a0745475f74657374',
      want: 'YKwPg+FugUZRehIAzgZ6jpBblgdh+/nttl6BblWmg4w=',
    },
  ];
  for (const c of cases) {
    it(`matches the reference key of the ${c.name}`, () => {
      assert.equal(queueLockKey(Buffer.from(c.input, 'hex')), c.want);
    });
  }

  it('hashes raw bytes, including ones that are not valid UTF-8', () => {
    const payload = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]);
    const want = createHash('sha256').update(payload).digest('base64');
    assert.equal(queueLockKey(payload), want);
    assert.equal(want.length, 44);
    // a decoded-string round trip would change the bytes and so the key
    assert.notEqual(queueLockKey(Buffer.from(payload.toString('utf8'))), want);
  });

  it('hashes only the view of a Buffer taken from a larger pool', () => {
    const pool = Buffer.from('xxxhelloyyy');
    assert.equal(
      queueLockKey(pool.subarray(3, 8)),
      createHash('sha256').update('hello').digest('base64'),
    );
  });
});
