import { type Config, loadConfig } from '@egress/protocol';

/** API key the test config uses. */
export const TEST_API_KEY = 'test-key';
/** API secret the test config uses (not a real secret). */
export const TEST_API_SECRET = 'test-secret-test-secret-test-secret-0123';
/** LiveKit URL the test config uses; nothing listens there (workers are fakes). */
export const TEST_WS_URL = 'ws://127.0.0.1:7880';

/** What {@link testConfig} may change. */
export interface TestConfigOptions {
  /** The start deadline, milliseconds (the YAML key has a 1 s minimum; tests go lower). */
  jobStartDeadlineMs?: number;
  /** More top-level YAML keys (`disallow_local_storage: true`). */
  extraYaml?: string;
}

/** A bridge config for tests, through the real loader, pointing at `redisUrl`. */
export function testConfig(redisUrl: string, options: TestConfigOptions = {}): Config {
  const url = new URL(redisUrl);
  const yaml = [
    `api_key: ${TEST_API_KEY}`,
    `api_secret: ${TEST_API_SECRET}`,
    `ws_url: ${TEST_WS_URL}`,
    'redis:',
    `  address: ${url.hostname}:${url.port || '6379'}`,
    ...(url.pathname.length > 1 ? [`  db: ${Number(url.pathname.slice(1))}`] : []),
    ...(options.extraYaml ? [options.extraYaml] : []),
  ].join('\n');
  const config = loadConfig({ EGRESS_CONFIG_BODY: yaml }, { onWarning: () => undefined });
  return options.jobStartDeadlineMs === undefined
    ? config
    : { ...config, jobStartDeadlineMs: options.jobStartDeadlineMs };
}
