import { EgressError } from '@egress/protocol';
import { errorFactsOf, RetriesExhaustedError } from './retry.js';

function describe(status: number | undefined, code: string | undefined): string {
  const tag = [status, code].filter((x) => x !== undefined).join(' ');
  if (status === 401 || status === 403) {
    return `access denied (${tag}); check the storage credentials and their permissions`;
  }
  if (status === 404) return `not found (${tag}); check that the bucket or container exists`;
  if (code === 'ENOENT') return 'the local file does not exist';
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED); check the endpoint';
  if (code === 'ENOTFOUND') return 'host not found (ENOTFOUND); check the endpoint';
  if (tag !== '') return `request failed (${tag})`;
  return 'request failed';
}

/**
 * The error one backend gives up with: Go's "<Provider> upload failed" (400), plus a reason built
 * only from the status and error code, never the SDK's text (it may quote keys or URLs).
 */
export function uploadFailedError(backendName: string, err: unknown): EgressError {
  if (err instanceof EgressError) return err;
  const attempts = err instanceof RetriesExhaustedError ? err.attempts : 1;
  const inner = err instanceof RetriesExhaustedError ? err.cause : err;
  const { status, code } = errorFactsOf(inner);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const details: Record<string, string> = { backend: backendName, attempts: String(attempts) };
  if (status !== undefined) details.status = String(status);
  if (code !== undefined) details.code = code;
  // The raw SDK error is dropped on purpose: its message or request may hold credentials.
  return EgressError.invalidArgument(
    `${backendName} upload failed: ${describe(status, code)}${tries}`,
    details,
  );
}
