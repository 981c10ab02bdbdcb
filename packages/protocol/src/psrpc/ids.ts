import { createHash, randomBytes } from 'node:crypto';

/** The characters of psrpc's generated ids (livekit/psrpc pkg/rand/id.go). */
export const PSRPC_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** How many random characters follow an id's prefix. */
export const PSRPC_ID_RANDOM_LENGTH = 12;

/** Lifetime of a queue lock key: psrpc's `SET <key> <rand> EX 5 NX`. */
export const QUEUE_LOCK_TTL_SEC = 5;

const SIX_BITS = 0x3f;

function newId(prefix: string): string {
  // Like psrpc: take 6 random bits per character and reject 62 and 63, so every character of
  // the 62-letter alphabet is equally likely.
  let out = prefix;
  while (out.length < prefix.length + PSRPC_ID_RANDOM_LENGTH) {
    for (const byte of randomBytes(PSRPC_ID_RANDOM_LENGTH * 2)) {
      const index = byte & SIX_BITS;
      if (index < PSRPC_ID_ALPHABET.length) out += PSRPC_ID_ALPHABET[index];
      if (out.length === prefix.length + PSRPC_ID_RANDOM_LENGTH) break;
    }
  }
  return out;
}

/** A new psrpc client id, `CLI_` + 12 characters; it names the client's `RES`/`CLAIM` channels. */
export function newClientId(): string {
  return newId('CLI_');
}

/** A new psrpc server id, `SRV_` + 12 characters, sent in claims and responses. */
export function newServerId(): string {
  return newId('SRV_');
}

/** A new psrpc request id, `REQ_` + 12 characters; every attempt, retries too, gets a new one. */
export function newRequestId(): string {
  return newId('REQ_');
}

/**
 * The current Unix time in nanoseconds, as psrpc's `sent_at` and `expiry` carry it. Millisecond
 * precision: `Date.now() * 1e6` as a float would lose digits, so the product is a bigint.
 */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * Whether a request must be dropped unanswered: psrpc servers handle it only while
 * `now < expiry` (livekit/psrpc pkg/server/rpc.go), so an absent expiry (0) is always expired.
 * @param request - anything with psrpc's `expiry` in Unix nanoseconds.
 * @param atNs - the time to judge at, Unix nanoseconds (usually {@link nowNs}).
 */
export function isExpired(request: { readonly expiry: bigint }, atNs: bigint): boolean {
  return atNs >= request.expiry;
}

/**
 * The Redis key of psrpc's queue lock for one published message:
 * base64(sha256(payload)), 44 characters with padding. It must hash the exact bytes received
 * (never a decoded or re-encoded copy); the winner of `SET <key> <rand> EX 5 NX` handles it.
 */
export function queueLockKey(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('base64');
}
