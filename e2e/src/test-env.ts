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
