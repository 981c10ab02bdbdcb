import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, isTransientError, RetriesExhaustedError, withRetries } from './retry.js';
import { captureLogger } from './testing/capture-logger.js';

function httpError(status: number, name = 'Error'): Error {
  return Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });
}

describe('isTransientError', () => {
  const cases = [
    { name: 'retries a 500', input: httpError(500), want: true },
    { name: 'retries a 503 (SlowDown)', input: httpError(503, 'SlowDown'), want: true },
    {
      name: 'retries a 429',
      input: Object.assign(new Error('x'), { statusCode: 429 }),
      want: true,
    },
    { name: 'retries a 409', input: Object.assign(new Error('x'), { status: 409 }), want: true },
    { name: 'retries a 408', input: httpError(408), want: true },
    {
      name: 'retries ECONNRESET',
      input: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      want: true,
    },
    {
      name: 'retries ECONNREFUSED',
      input: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      want: true,
    },
    {
      name: 'retries ETIMEDOUT',
      input: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }),
      want: true,
    },
    { name: 'retries a socket hang up', input: new Error('socket hang up'), want: true },
    {
      name: 'retries a TimeoutError',
      input: Object.assign(new Error('x'), { name: 'TimeoutError' }),
      want: true,
    },
    {
      name: 'retries a reset found in the cause',
      input: new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) }),
      want: true,
    },
    {
      name: 'retries the first error of an AggregateError',
      input: new AggregateError([Object.assign(new Error('y'), { code: 'ECONNREFUSED' })]),
      want: true,
    },
    {
      name: 'retries a GCS ApiError with a numeric 503 code',
      input: Object.assign(new Error('x'), { code: 503 }),
      want: true,
    },
    {
      name: 'fails fast on 403 bad credentials',
      input: httpError(403, 'InvalidAccessKeyId'),
      want: false,
    },
    {
      name: 'fails fast on 401',
      input: Object.assign(new Error('x'), { statusCode: 401 }),
      want: false,
    },
    { name: 'fails fast on 404 bucket', input: httpError(404, 'NoSuchBucket'), want: false },
    { name: 'fails fast on 400', input: httpError(400), want: false },
    {
      name: 'fails fast on a missing local file',
      input: Object.assign(new Error('x'), { code: 'ENOENT' }),
      want: false,
    },
    { name: 'fails fast on an unknown error', input: new Error('something else'), want: false },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(isTransientError(c.input), c.want));
  }
});

describe('backoffDelayMs', () => {
  const policy = { maxAttempts: 5, minDelayMs: 100, maxDelayMs: 1000 };
  const cases = [
    {
      name: 'waits between half and all of minDelay first',
      input: { attempt: 1 },
      want: [50, 100],
    },
    { name: 'doubles each attempt', input: { attempt: 3 }, want: [200, 400] },
    { name: 'never exceeds maxDelay', input: { attempt: 10 }, want: [500, 1000] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const low = backoffDelayMs(policy, c.input.attempt, () => 0);
      const high = backoffDelayMs(policy, c.input.attempt, () => 1);
      assert.deepEqual([low, high], c.want);
    });
  }
});

describe('withRetries', () => {
  const policy = { maxAttempts: 4, minDelayMs: 1, maxDelayMs: 2 };

  it('retries transient failures and logs each retry at warn with attempt', async () => {
    const { logger, lines } = captureLogger();
    let calls = 0;
    const got = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw Object.assign(new Error('x'), { code: 'ECONNRESET' });
        return 'ok';
      },
      { policy, logger },
    );
    assert.equal(got, 'ok');
    assert.equal(calls, 3);
    const warns = lines.filter((l) => l.level === 40);
    assert.deepEqual(
      warns.map((l) => l.attempt),
      [1, 2],
    );
  });

  it('stops at the first non-transient failure', async () => {
    const { logger } = captureLogger();
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw httpError(403);
      },
      { policy, logger },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof RetriesExhaustedError);
    assert.equal(err.attempts, 1);
    assert.equal(err.isTransient, false);
    assert.equal(calls, 1);
  });

  it('gives up after maxAttempts', async () => {
    const { logger } = captureLogger();
    let calls = 0;
    const err = await withRetries(
      async () => {
        calls++;
        throw httpError(503);
      },
      { policy, logger },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof RetriesExhaustedError);
    assert.equal(err.attempts, 4);
    assert.equal(calls, 4);
  });
});
