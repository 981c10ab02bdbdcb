/** Milliseconds per Go duration unit (`time.ParseDuration`). */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const WHOLE = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * Parses a Go duration string (`"1h30m"`, `"2.5s"`, `"300ms"`, `"0"`) into milliseconds, the
 * way Go's `time.ParseDuration` reads config values. Returns `undefined` for anything else,
 * including a bare number other than `"0"` (Go needs a unit too). The result may be negative
 * or fractional (`"500us"` is 0.5).
 */
export function parseGoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0' || trimmed === '+0' || trimmed === '-0') return 0;
  if (!WHOLE.test(trimmed)) return undefined;
  let totalMs = 0;
  for (const match of trimmed.matchAll(PART)) {
    const [, value, unit] = match;
    // Both groups always take part in a match of PART, so neither is undefined.
    totalMs += Number(value) * (UNIT_MS[unit as string] as number);
  }
  if (!Number.isFinite(totalMs)) return undefined;
  // Round to whole nanoseconds, as Go stores them, so "1.1s" is 1100 and not 1100.0000000000002.
  const roundedMs = Math.round(totalMs * 1e6) / 1e6;
  return trimmed.startsWith('-') ? -roundedMs : roundedMs;
}
