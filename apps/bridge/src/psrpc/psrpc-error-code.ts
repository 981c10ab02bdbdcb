import type { ErrorCode } from '@egress/protocol';
import { ERROR_CODES } from '@egress/protocol';

// Our codes that psrpc does not have (livekit/psrpc errors.go), and what goes on the wire instead.
const TO_PSRPC: Partial<Record<ErrorCode, string>> = {
  malformed: 'malformed_request',
  bad_route: 'unimplemented',
  ok: 'unknown',
};

// psrpc codes that we do not have, and the nearest of ours.
const FROM_PSRPC: Record<string, ErrorCode> = {
  malformed_request: 'malformed',
  malformed_result: 'malformed',
  unprocessable_entity: 'invalid_argument',
  upstream_server_error: 'unavailable',
  upstream_client_error: 'failed_precondition',
};

/** The psrpc `Response.code` string for one of our error codes (psrpc-wire.md §3.4). */
export function psrpcErrorCode(code: ErrorCode): string {
  return TO_PSRPC[code] ?? code;
}

/**
 * Our error code for a psrpc `Response.code`; an empty or unknown code is `unknown`, as psrpc
 * reads it.
 */
export function errorCodeFromPsrpc(code: string): ErrorCode {
  const mapped = FROM_PSRPC[code];
  if (mapped !== undefined) return mapped;
  return Object.hasOwn(ERROR_CODES, code) && code !== 'ok' && code !== 'bad_route'
    ? (code as ErrorCode)
    : 'unknown';
}
