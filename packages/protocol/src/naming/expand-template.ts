import { formatNamingTime, formatUtcStamp } from './naming-time.js';
import type { NamingVars } from './naming-vars.js';
import { sanitizeNamingValue } from './sanitize-naming-value.js';

const PLACEHOLDER =
  /\{(room_name|room_id|time|utc|retry|publisher_identity|track_id|track_type|track_source)\}/g;

function placeholderValue(name: string, vars: NamingVars, now: Date): string | undefined {
  switch (name) {
    // Go only fills the room placeholders when the egress has a room name
    case 'room_name':
      return vars.roomName === '' ? undefined : vars.roomName;
    case 'room_id':
      return vars.roomName === '' ? undefined : vars.roomId;
    case 'time':
      return formatNamingTime(now);
    case 'utc':
      return formatUtcStamp(now);
    case 'retry':
      return String(vars.retryCount ?? 0);
    case 'publisher_identity':
      return vars.publisherIdentity;
    case 'track_id':
      return vars.trackId;
    case 'track_type':
      return vars.trackType;
    case 'track_source':
      return vars.trackSource;
    default:
      return undefined;
  }
}

/**
 * Expands the filename placeholders of egress-go-behavior.md §3 in one pass:
 *
 * | placeholder | value |
 * |---|---|
 * | `{room_name}`, `{room_id}` | the room (only when `roomName` is not empty) |
 * | `{time}` | `2006-01-02T150405`, local time |
 * | `{utc}` | `20060102150405` + 3 millisecond digits, UTC |
 * | `{retry}` | the retry count, `0` on the first attempt |
 * | `{publisher_identity}`, `{track_id}`, `{track_type}`, `{track_source}` | when known |
 *
 * Unknown placeholders, and known ones whose value is `undefined`, are left as written (as Go
 * does), so a second pass can fill them once the SDK source knows the publisher. Values are passed
 * through {@link sanitizeNamingValue} and are never expanded again, so a room called `{room_id}`
 * stays literal.
 *
 * Differences from Go: values are sanitized; `{retry}` is `0` on the first attempt (Go leaves the
 * literal `{retry}` in the name); `{utc}` is real UTC (Go uses local time, UTC in its container).
 *
 * @param template - a filepath, prefix or playlist name as requested
 * @param vars - what the placeholders expand to
 * @param now - the time `{time}` and `{utc}` stand for
 * @throws `internal` when `now` is an invalid date.
 */
export function expandTemplate(template: string, vars: NamingVars, now: Date): string {
  return template.replace(PLACEHOLDER, (match: string, name: string) => {
    const value = placeholderValue(name, vars, now);
    return value === undefined ? match : sanitizeNamingValue(value);
  });
}
