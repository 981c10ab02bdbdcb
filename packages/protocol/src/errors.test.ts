import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cpuExhaustedError,
  EgressError,
  type ErrorCode,
  egressErrorCodeOf,
  httpStatusOf,
  outOfMemoryError,
} from './errors.js';

describe('error codes', () => {
  const cases: { name: string; input: ErrorCode; want: { http: number; egress: number } }[] = [
    {
      name: 'invalid_argument is 400',
      input: 'invalid_argument',
      want: { http: 400, egress: 400 },
    },
    {
      name: 'permission_denied is 403',
      input: 'permission_denied',
      want: { http: 403, egress: 403 },
    },
    { name: 'not_found is 404', input: 'not_found', want: { http: 404, egress: 404 } },
    {
      name: 'failed_precondition is 412',
      input: 'failed_precondition',
      want: { http: 412, egress: 412 },
    },
    { name: 'unavailable is 503', input: 'unavailable', want: { http: 503, egress: 503 } },
    { name: 'internal is 500', input: 'internal', want: { http: 500, egress: 500 } },
    {
      name: 'unknown leaves errorCode 0 as Go does',
      input: 'unknown',
      want: { http: 500, egress: 0 },
    },
    { name: 'unauthenticated is 401', input: 'unauthenticated', want: { http: 401, egress: 401 } },
    { name: 'already_exists is 409', input: 'already_exists', want: { http: 409, egress: 409 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(httpStatusOf(c.input), c.want.http);
      assert.equal(egressErrorCodeOf(c.input), c.want.egress);
    });
  }
});

describe('EgressError', () => {
  it('round-trips through JSON with code, message and details', () => {
    const err = EgressError.invalidArgument('width must be even', { field: 'width' });
    const back = EgressError.fromJSON(JSON.parse(JSON.stringify(err)));
    assert.equal(back.code, 'invalid_argument');
    assert.equal(back.message, 'width must be even');
    assert.deepEqual(back.details, { field: 'width' });
    assert.equal(back.httpStatus, 400);
  });

  const malformed: { name: string; input: unknown }[] = [
    { name: 'null', input: null },
    { name: 'a string', input: 'boom' },
    { name: 'an unknown code', input: { code: 'teapot', message: 'x' } },
    { name: 'a missing message', input: { code: 'internal' } },
    { name: 'a prototype key as code', input: { code: 'toString', message: 'x' } },
  ];
  for (const c of malformed) {
    it(`turns ${c.name} into an internal error`, () => {
      const err = EgressError.fromJSON(c.input);
      assert.equal(err.code, 'internal');
      assert.equal(err.message, 'malformed error payload');
    });
  }

  it('drops non-string details when parsing', () => {
    const err = EgressError.fromJSON({
      code: 'not_found',
      message: 'm',
      details: { a: 'b', c: 1 },
    });
    assert.deepEqual(err.details, { a: 'b' });
  });

  it('hides a foreign error message behind a generic one and keeps it as cause', () => {
    const raw = new Error('rtmp://host/app/secret-key refused');
    const err = EgressError.from(raw, 'stream failed');
    assert.equal(err.code, 'internal');
    assert.equal(err.message, 'stream failed');
    assert.equal(err.cause, raw);
    assert.ok(!JSON.stringify(err).includes('secret-key'));
  });

  it('passes an EgressError through from() unchanged', () => {
    const err = EgressError.notFound('egress not found');
    assert.equal(EgressError.from(err), err);
  });
});

describe('resource kill errors', () => {
  const cases = [
    {
      name: 'CPU exhausted',
      input: cpuExhaustedError(3.456),
      want: 'CPU exhausted: 3.46 cores used',
    },
    { name: 'OOM', input: outOfMemoryError(1.5), want: 'OOM: 1.50 GB used' },
  ];
  for (const c of cases) {
    it(`words ${c.name} as Go does, as permission_denied (403)`, () => {
      assert.equal(c.input.message, c.want);
      assert.equal(egressErrorCodeOf(c.input.code), 403);
    });
  }
});
