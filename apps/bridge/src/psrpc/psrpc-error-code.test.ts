import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '@egress/protocol';
import { errorCodeFromPsrpc, psrpcErrorCode } from './psrpc-error-code.js';

describe('psrpcErrorCode', () => {
  const cases: { name: string; input: ErrorCode; want: string }[] = [
    { name: 'keeps a code psrpc shares', input: 'unavailable', want: 'unavailable' },
    { name: 'keeps invalid_argument', input: 'invalid_argument', want: 'invalid_argument' },
    {
      name: 'writes malformed as malformed_request',
      input: 'malformed',
      want: 'malformed_request',
    },
    { name: 'writes bad_route as unimplemented', input: 'bad_route', want: 'unimplemented' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(psrpcErrorCode(c.input), c.want);
    });
  }
});

describe('errorCodeFromPsrpc', () => {
  const cases: { name: string; input: string; want: ErrorCode }[] = [
    { name: 'keeps a shared code', input: 'deadline_exceeded', want: 'deadline_exceeded' },
    { name: 'reads an empty code as unknown', input: '', want: 'unknown' },
    { name: 'reads an unheard-of code as unknown', input: 'exploded', want: 'unknown' },
    { name: 'reads malformed_request as malformed', input: 'malformed_request', want: 'malformed' },
    { name: 'reads malformed_result as malformed', input: 'malformed_result', want: 'malformed' },
    {
      name: 'reads unprocessable_entity as invalid_argument',
      input: 'unprocessable_entity',
      want: 'invalid_argument',
    },
    { name: 'never reads ok as a code', input: 'ok', want: 'unknown' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(errorCodeFromPsrpc(c.input), c.want);
    });
  }
});
