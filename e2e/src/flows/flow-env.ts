import { skipWithoutRedis } from '../test-env.js';

/**
 * Why an end-to-end flow cannot run here, or `false` when it can: it needs the test Redis and
 * the network namespace of `scripts/netns-run` (WebRTC needs its veth pair), both of which
 * `bash scripts/test` provides.
 */
export function flowSkipReason(): string | false {
  const noRedis = skipWithoutRedis();
  if (noRedis) return noRedis;
  if (process.env.EGRESS_TEST_NETNS !== '1') {
    return 'needs the network namespace of scripts/netns-run (run through bash scripts/test)';
  }
  return false;
}
