/** Epoch milliseconds (our unit) to epoch nanoseconds (the unit of EgressInfo's bigint times). */
export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1_000_000n;
}
