import { formatNamingTime } from './naming-time.js';
import type { NamingVars } from './naming-vars.js';
import { sanitizeNamingValue } from './sanitize-naming-value.js';

/**
 * The name Go generates when none is given: `<identifier>-<time>`, plus `-<retry>` on a retry,
 * e.g. `my-room-2024-03-05T140709` or `my-room-2024-03-05T140709-2`. The identifier is sanitized
 * like a placeholder value (a difference from Go).
 *
 * @param identifier - from {@link outputIdentifier}: room name, `web`, identity or track ID
 * @throws `internal` when `now` is an invalid date.
 */
export function defaultBaseName(identifier: string, vars: NamingVars, now: Date): string {
  const base = `${sanitizeNamingValue(identifier)}-${formatNamingTime(now)}`;
  const retryCount = vars.retryCount ?? 0;
  return retryCount > 0 ? `${base}-${retryCount}` : base;
}
