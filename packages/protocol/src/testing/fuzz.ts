/**
 * A small seeded PRNG (mulberry32), uniform in [0, 1), so a fuzz failure can be replayed from
 * its seed.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Up to `maxLength - 1` random bytes. */
export function randomBytes(random: () => number, maxLength: number): Buffer {
  const buffer = Buffer.alloc(Math.floor(random() * maxLength));
  for (let i = 0; i < buffer.length; i++) buffer[i] = Math.floor(random() * 256);
  return buffer;
}

/**
 * A copy of `seed` with one to four of the usual byte-level mutations: overwrite, truncate,
 * insert, flip a bit.
 */
export function mutate(seed: Uint8Array, random: () => number): Buffer {
  let result = Buffer.from(seed);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const op = Math.floor(random() * 4);
    const at = Math.floor(random() * result.length);
    if (op === 0) {
      result[at] = Math.floor(random() * 256);
    } else if (op === 1) {
      result = result.subarray(0, at);
    } else if (op === 2) {
      const inserted = Buffer.from([Math.floor(random() * 256)]);
      result = Buffer.concat([result.subarray(0, at), inserted, result.subarray(at)]);
    } else if (result.length > 0) {
      result[at] = (result[at] ?? 0) ^ (1 << Math.floor(random() * 8));
    }
  }
  return result;
}
