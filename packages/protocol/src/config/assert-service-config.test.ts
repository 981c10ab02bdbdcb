import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EgressError } from '../errors.js';
import { assertServiceConfig, type ServiceConfigNeed } from './assert-service-config.js';
import { loadConfig } from './load-config.js';

interface Input {
  yaml: string;
  env?: Record<string, string>;
  needs: ServiceConfigNeed[];
}

const cases: { name: string; input: Input; want: string | undefined }[] = [
  {
    name: 'passes a config with everything a service needs',
    input: {
      yaml: 'redis:\n  address: localhost:6379\napi_key: k\napi_secret: s\nws_url: ws://lk:7880\n',
      needs: ['redis', 'apiKeys', 'wsUrl'],
    },
    want: undefined,
  },
  {
    name: 'passes when nothing is needed',
    input: { yaml: '', needs: [] },
    want: undefined,
  },
  {
    name: 'asks for redis when the block is absent',
    input: { yaml: '', needs: ['redis'] },
    want: 'redis.address: required (or redis.sentinel_addresses or redis.cluster_addresses)',
  },
  {
    name: 'asks for redis when the block has no address',
    input: { yaml: 'redis:\n  db: 1\n', needs: ['redis'] },
    want: 'redis.address: required (or redis.sentinel_addresses or redis.cluster_addresses)',
  },
  {
    name: 'accepts cluster addresses instead of an address',
    input: { yaml: 'redis:\n  cluster_addresses: [a:1]\n', needs: ['redis'] },
    want: undefined,
  },
  {
    name: 'asks for the sentinel master name with sentinel addresses',
    input: { yaml: 'redis:\n  sentinel_addresses: [s:26379]\n', needs: ['redis'] },
    want: 'redis.sentinel_master_name: required with redis.sentinel_addresses',
  },
  {
    name: 'accepts the API key pair from the env',
    input: { yaml: '', env: { LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' }, needs: ['apiKeys'] },
    want: undefined,
  },
  {
    name: 'names both missing API keys and their env vars',
    input: { yaml: '', needs: ['apiKeys'] },
    want: 'api_key: required (or env LIVEKIT_API_KEY); api_secret: required (or env LIVEKIT_API_SECRET)',
  },
  {
    name: 'asks for an api_secret given only a key',
    input: { yaml: 'api_key: k\n', needs: ['apiKeys'] },
    want: 'api_secret: required (or env LIVEKIT_API_SECRET)',
  },
  {
    name: 'asks for ws_url',
    input: { yaml: '', needs: ['wsUrl'] },
    want: 'ws_url: required (or env LIVEKIT_WS_URL)',
  },
  {
    name: 'lists every missing requirement',
    input: { yaml: 'api_key: k\napi_secret: s\n', needs: ['redis', 'apiKeys', 'wsUrl'] },
    want: 'redis.address: required (or redis.sentinel_addresses or redis.cluster_addresses); ws_url: required (or env LIVEKIT_WS_URL)',
  },
];

describe('assertServiceConfig', () => {
  for (const c of cases) {
    it(c.name, () => {
      const config = loadConfig(
        { ...c.input.env, EGRESS_CONFIG_BODY: c.input.yaml },
        { onWarning: () => {} },
      );
      const run = () => assertServiceConfig(config, { needs: c.input.needs });
      if (c.want === undefined) {
        run();
        return;
      }
      assert.throws(
        run,
        (err: unknown) =>
          err instanceof EgressError && err.code === 'invalid_argument' && err.message === c.want,
      );
    });
  }
});
