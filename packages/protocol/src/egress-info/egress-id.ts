import { randomBytes } from 'node:crypto';

/**
 * The 57 characters of Go's `utils.NewGuid` (shortuuid's default alphabet: no `0`, `1`, `I`,
 * `O` or `l`), so our ids look and sort like the Go version's.
 */
export const GUID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Characters after the prefix, as Go's `guid.Size`. */
export const GUID_SIZE = 12;

/** Prefix of every egress id, as Go's `utils.EgressPrefix`. */
export const EGRESS_ID_PREFIX = 'EG_';

/** Matches an id made by {@link newEgressId}. */
export const EGRESS_ID_PATTERN = /^EG_[2-9A-HJ-NP-Za-km-z]{12}$/;

/** A random id with `prefix` and {@link GUID_SIZE} characters of {@link GUID_ALPHABET}. */
export function newGuid(prefix: string): string {
  let out = prefix;
  // Rejection sampling over 6-bit values, as Go does, keeps every character equally likely.
  while (out.length < prefix.length + GUID_SIZE) {
    for (const byte of randomBytes(16)) {
      const index = byte & 0x3f;
      if (index < GUID_ALPHABET.length) {
        out += GUID_ALPHABET[index];
        if (out.length === prefix.length + GUID_SIZE) break;
      }
    }
  }
  return out;
}

/** A new egress id, `EG_` plus 12 characters, like Go's `utils.NewGuid(utils.EgressPrefix)`. */
export function newEgressId(): string {
  return newGuid(EGRESS_ID_PREFIX);
}
