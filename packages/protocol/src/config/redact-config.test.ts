import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './load-config.js';
import { CONFIG_SECRET_KEYS, redactConfig } from './redact-config.js';

const FULL = `api_key: APIkey
api_secret: topsecret-api
ws_url: wss://lk.example.com
redis:
  address: redis:6379
  username: egress
  password: topsecret-redis
  sentinel_password: topsecret-sentinel
storage:
  s3:
    access_key: topsecret-ak
    secret: topsecret-s3
    session_token: topsecret-token
    bucket: rec
    proxy_config:
      url: http://user:topsecret-proxyurl@proxy:3128
      password: topsecret-proxy
  azure:
    account_name: acct
    account_key: topsecret-azure
  gcp:
    credentials_json: topsecret-gcp
  alioss:
    access_key: topsecret-aliak
    secret: topsecret-ali
backup:
  s3:
    secret: topsecret-backup
debug:
  s3:
    secret: topsecret-debug
s3_assume_role_key: topsecret-rolekey
s3_assume_role_secret: topsecret-rolesecret
admin:
  username: ops
  password: topsecret-admin
webhook:
  urls: ["https://hookuser:topsecret-hook@hooks.example.com/x"]
`;

function redacted(yaml: string): unknown {
  const config = loadConfig({ EGRESS_CONFIG_BODY: yaml }, { onWarning: () => {} });
  return redactConfig(config);
}

function get(value: unknown, dotted: string): unknown {
  let node = value;
  for (const key of dotted.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const cases: { name: string; input: string; want: Record<string, unknown> }[] = [
  {
    name: 'redacts every secret field',
    input: FULL,
    want: {
      apiSecret: '[redacted]',
      'redis.password': '[redacted]',
      'redis.sentinelPassword': '[redacted]',
      'storage.s3.accessKey': '[redacted]',
      'storage.s3.secret': '[redacted]',
      'storage.s3.sessionToken': '[redacted]',
      'storage.s3.proxy.password': '[redacted]',
      'storage.azure.accountKey': '[redacted]',
      'storage.gcp.credentialsJson': '[redacted]',
      'storage.aliOss.accessKey': '[redacted]',
      'storage.aliOss.secret': '[redacted]',
      'backup.s3.secret': '[redacted]',
      'debug.storage.s3.secret': '[redacted]',
      s3AssumeRoleKey: '[redacted]',
      s3AssumeRoleSecret: '[redacted]',
      'admin.password': '[redacted]',
    },
  },
  {
    name: 'keeps what is not secret',
    input: FULL,
    want: {
      apiKey: 'APIkey',
      wsUrl: 'wss://lk.example.com',
      'redis.address': 'redis:6379',
      'redis.username': 'egress',
      'storage.s3.bucket': 'rec',
      'storage.azure.accountName': 'acct',
      'admin.username': 'ops',
      'cpuCost.webCpuCost': 4,
    },
  },
  {
    name: 'redacts user info inside URLs',
    input: FULL,
    want: {
      'storage.s3.proxy.url': 'http://%5Bredacted%5D@proxy:3128/',
      'webhook.urls': ['https://%5Bredacted%5D@hooks.example.com/x'],
    },
  },
  {
    name: 'leaves empty secrets empty so unset ones show',
    input: 'storage:\n  s3:\n    bucket: b\n',
    want: { apiSecret: '', 'storage.s3.secret': '', 'storage.s3.accessKey': '' },
  },
];

describe('redactConfig', () => {
  for (const c of cases) {
    it(c.name, () => {
      const out = redacted(c.input);
      for (const [key, want] of Object.entries(c.want)) {
        assert.deepEqual(get(out, key), want, key);
      }
    });
  }

  it('leaves no secret value anywhere in the copy', () => {
    assert.ok(!JSON.stringify(redacted(FULL)).includes('topsecret'));
  });

  it('does not change the config it copies', () => {
    const config = loadConfig({ EGRESS_CONFIG_BODY: FULL }, { onWarning: () => {} });
    redactConfig(config);
    assert.equal(config.apiSecret, 'topsecret-api');
  });

  it('lists the secret field names', () => {
    assert.ok(CONFIG_SECRET_KEYS.includes('apiSecret'));
    assert.ok(CONFIG_SECRET_KEYS.includes('credentialsJson'));
    assert.ok(Object.isFrozen(CONFIG_SECRET_KEYS));
  });
});
