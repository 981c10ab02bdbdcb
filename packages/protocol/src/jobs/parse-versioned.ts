import type { z } from 'zod';
import { EgressError } from '../errors.js';

/** The one message version this build writes and reads. */
export const MESSAGE_VERSION = 1;

function describeIssues(error: z.ZodError): string {
  // Paths and zod's own texts only: zod does not echo input values, which may hold secrets.
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Parses a versioned message (`{ version, ... }`) received as a JSON string or an object. An
 * unknown version is reported as such, before any other check, so a rolling upgrade fails with
 * a clear message instead of a list of missing fields.
 * @throws invalid_argument naming `what` and the first problems found.
 */
export function parseVersioned<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      // The parser's text may quote the input, so it is dropped on purpose.
      throw EgressError.invalidArgument(`${what}: not valid JSON`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw EgressError.invalidArgument(`${what}: expected a JSON object`);
  }
  const version = (value as { version?: unknown }).version;
  if (version !== MESSAGE_VERSION) {
    const shown =
      typeof version === 'number'
        ? String(version)
        : version === undefined
          ? '(missing)'
          : `(a ${typeof version})`;
    throw EgressError.invalidArgument(
      `${what}: version ${shown} is not supported; this build reads version ${MESSAGE_VERSION}`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw EgressError.invalidArgument(`${what}: ${describeIssues(result.error)}`);
  }
  return result.data;
}
