import { randomBytes } from 'node:crypto';

/** The id prefixes LiveKit clients check: rtc-node panics on a participant sid without `PA_`. */
export type SidPrefix = 'RM_' | 'PA_' | 'TR_';

/** Returns a fresh LiveKit-style id such as `PA_3f2a9c0d1e4b`. */
export function newSid(prefix: SidPrefix): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}
