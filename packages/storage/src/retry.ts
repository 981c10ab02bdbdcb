import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@egress/protocol';

/** Bounded exponential backoff with jitter. Go defaults: 5 attempts, 100 ms, 5 s. */
export interface RetryPolicy {
  /** Attempts in all, the first included (Go's `max_retries` is the AWS `MaxAttempts`). */
  maxAttempts: number;
  /** Delay before the second attempt, in ms; doubles each time. */
  minDelayMs: number;
  /** Upper bound of one delay, in ms. */
  maxDelayMs: number;
}

/** Go `max_retries: 5`, `min_retry_delay: 100ms`, `max_retry_delay: 5s`. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  minDelayMs: 100,
  maxDelayMs: 5000,
});

const TRANSIENT_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'InternalError',
  'ServiceUnavailable',
  'ServerBusy',
  'OperationTimedOut',
  'REQUEST_SEND_ERROR',
]);
const LOCAL_FILE_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EPERM']);
const TRANSIENT_MESSAGES =
  /socket hang up|timed? ?out|connection (reset|refused|closed)|other side closed|premature close|ECONNRESET|ECONNREFUSED/i;

/** Facts read off any error a storage SDK throws, without keeping its (possibly secret) text. */
export interface ErrorFacts {
  /** HTTP status, when the service answered. */
  status?: number;
  /** Service or system error code (`NoSuchBucket`, `AuthenticationFailed`, `ECONNREFUSED`). */
  code?: string;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Status and code of an SDK error, looking through `$metadata`, `response` and `cause`. */
export function errorFactsOf(err: unknown): ErrorFacts {
  const facts: ErrorFacts = {};
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur !== undefined; depth++) {
    const e = asRecord(cur);
    if (!e) break;
    const metadata = asRecord(e.$metadata);
    const response = asRecord(e.response);
    const statusCandidates = [
      metadata?.httpStatusCode,
      e.statusCode,
      e.status,
      response?.status,
      response?.statusCode,
      typeof e.code === 'number' ? e.code : undefined,
    ];
    if (facts.status === undefined) {
      facts.status = statusCandidates.find(
        (s): s is number => typeof s === 'number' && s >= 100 && s < 600,
      );
    }
    if (facts.code === undefined) {
      const codeCandidates = [e.Code, typeof e.code === 'string' ? e.code : undefined, e.name];
      facts.code = codeCandidates.find(
        (c): c is string => typeof c === 'string' && c !== 'Error' && c !== '',
      );
    }
    if (Array.isArray(e.errors) && e.errors.length > 0) cur = e.errors[0];
    else cur = e.cause;
  }
  return facts;
}

/**
 * Whether retrying may help: 5xx, 408/409/425/429, connection resets and refusals, timeouts.
 * Bad credentials (401/403) and missing buckets (404) are not.
 */
export function isTransientError(err: unknown): boolean {
  const facts = errorFactsOf(err);
  // A local file that vanished or cannot be read will not come back by retrying.
  if (facts.code !== undefined && LOCAL_FILE_CODES.has(facts.code)) return false;
  if (facts.status !== undefined && TRANSIENT_STATUS.has(facts.status)) return true;
  if (facts.status !== undefined && facts.status >= 400 && facts.status < 500) return false;
  if (facts.code !== undefined && TRANSIENT_CODES.has(facts.code)) return true;
  let cur: unknown = err;
  for (let depth = 0; depth < 5; depth++) {
    const e = asRecord(cur);
    if (!e) break;
    if (typeof e.message === 'string' && TRANSIENT_MESSAGES.test(e.message)) return true;
    if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
    cur = Array.isArray(e.errors) && e.errors.length > 0 ? e.errors[0] : e.cause;
  }
  return facts.status !== undefined && facts.status >= 500;
}

/** Delay before attempt `attempt + 1` (attempt counts from 1): doubling, capped, full jitter above half. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Thrown by `withRetries` when it gives up; `cause` is the last error, `attempts` the count. */
export class RetriesExhaustedError extends Error {
  readonly attempts: number;
  readonly isTransient: boolean;
  constructor(cause: unknown, attempts: number, isTransient: boolean) {
    super('upload attempts exhausted', { cause });
    this.name = 'RetriesExhaustedError';
    this.attempts = attempts;
    this.isTransient = isTransient;
  }
}

export interface WithRetriesOptions {
  policy: RetryPolicy;
  logger: Logger;
  /** Decides whether an error is worth another attempt. @defaultValue isTransientError */
  isTransient?: (err: unknown) => boolean;
}

/**
 * Runs `fn` until it resolves, a non-transient error occurs or the attempts run out; logs each
 * retry at warn with `attempt`. Rejects with `RetriesExhaustedError`.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: WithRetriesOptions,
): Promise<T> {
  const isTransient = options.isTransient ?? isTransientError;
  const maxAttempts = Math.max(1, Math.floor(options.policy.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const transient = isTransient(err);
      if (!transient || attempt >= maxAttempts) {
        throw new RetriesExhaustedError(err, attempt, transient);
      }
      const delayMs = backoffDelayMs(options.policy, attempt);
      const { status, code } = errorFactsOf(err);
      options.logger.warn(
        { attempt, maxAttempts, delayMs, status, code },
        'upload failed, retrying',
      );
      await sleep(delayMs);
    }
  }
}
