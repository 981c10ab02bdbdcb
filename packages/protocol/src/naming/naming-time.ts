import { EgressError } from '../errors.js';

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function assertValidDate(now: Date): void {
  if (Number.isNaN(now.getTime())) {
    throw EgressError.internal('naming time is not a valid date');
  }
}

/**
 * `{time}` and the time in default names: Go's `2006-01-02T150405` layout in the process's local
 * time zone (UTC in the usual container), e.g. `2024-03-05T140709`.
 *
 * @throws `internal` when `now` is an invalid date.
 */
export function formatNamingTime(now: Date): string {
  assertValidDate(now);
  const date = `${pad(now.getFullYear(), 4)}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  return `${date}T${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
}

/**
 * `{utc}` and TIMESTAMP segment/image suffixes: Go's `20060102150405` layout plus three
 * millisecond digits, in UTC, e.g. `20240305140709042`.
 *
 * Go formats these in the process's local time zone, which is UTC in its container; we always use
 * UTC so the name matches the placeholder whatever `TZ` says.
 *
 * @throws `internal` when `now` is an invalid date.
 */
export function formatUtcStamp(now: Date): string {
  assertValidDate(now);
  const date = `${pad(now.getUTCFullYear(), 4)}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${date}${time}${pad(now.getUTCMilliseconds(), 3)}`;
}
