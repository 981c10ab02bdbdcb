/**
 * Where the services of the test run are: `scripts/test` starts Redis inside the test
 * namespace and exports its URL. Outside CI a missing service skips with this reason; under
 * CI it fails.
 */
export function testRedisAddress(): string | undefined {
  const url = process.env.EGRESS_TEST_REDIS_URL;
  if (!url) {
    if (process.env.CI)
      throw new Error('EGRESS_TEST_REDIS_URL must be set under CI (run pnpm test)');
    return undefined;
  }
  const { hostname, port } = new URL(url);
  return `${hostname}:${port}`;
}

/** The reason a test is skipped when Redis is not available, or `false` when it is. */
export function skipWithoutRedis(): string | false {
  return testRedisAddress() ? false : 'EGRESS_TEST_REDIS_URL not set (run through pnpm test)';
}

/**
 * Why a test of the whole system cannot run here, or `false` when it can: it needs the test
 * Redis and the network namespace of `scripts/netns-run` (WebRTC needs its veth pair), both of
 * which `bash scripts/test` provides (as root).
 *
 * @throws under CI when either is missing: there the tests must run, not skip.
 */
export function skipWithoutTestNetwork(): string | false {
  const noRedis = skipWithoutRedis();
  if (noRedis) return noRedis;
  if (process.env.EGRESS_TEST_NETNS !== '1') {
    const reason =
      'needs the network namespace of scripts/netns-run (run bash scripts/test as root)';
    if (process.env.CI) throw new Error(`EGRESS_TEST_NETNS=1 must be set under CI: ${reason}`);
    return reason;
  }
  return false;
}
