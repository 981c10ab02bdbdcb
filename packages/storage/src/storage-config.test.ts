import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveStorageConfig, type StorageConfig, storageBackendOf } from './storage-config.js';

const server: StorageConfig = {
  prefix: 'recordings',
  generatePresignedUrl: true,
  s3: {
    accessKey: 'server-key',
    secret: 'server-secret',
    bucket: 'server-bucket',
    region: 'eu-west-1',
    maxRetries: 7,
    maxRetryDelayMs: 9000,
    minRetryDelayMs: 300,
  },
};

describe('resolveStorageConfig', () => {
  const cases = [
    {
      name: 'uses the server config when the request has no upload block',
      input: { server, request: undefined },
      want: server,
    },
    {
      name: 'lets a request S3 block replace the server provider, keeping retry settings, prefix and presign',
      input: {
        server,
        request: { s3: { accessKey: 'req', secret: 'req-s', bucket: 'req-bucket' } },
      },
      want: {
        prefix: 'recordings',
        generatePresignedUrl: true,
        s3: {
          accessKey: 'req',
          secret: 'req-s',
          bucket: 'req-bucket',
          maxRetries: 7,
          maxRetryDelayMs: 9000,
          minRetryDelayMs: 300,
        },
      },
    },
    {
      name: 'lets a request GCP block replace a server S3 block entirely',
      input: { server, request: { gcp: { bucket: 'g', credentialsJson: '{}' } } },
      want: {
        prefix: 'recordings',
        generatePresignedUrl: true,
        gcp: { bucket: 'g', credentialsJson: '{}' },
      },
    },
    {
      name: 'lets a request Azure block apply without any server storage',
      input: {
        server: undefined,
        request: { azure: { accountName: 'a', accountKey: 'k', containerName: 'c' } },
      },
      want: { azure: { accountName: 'a', accountKey: 'k', containerName: 'c' } },
    },
    {
      name: 'leaves everything unset without server or request storage',
      input: { server: undefined, request: {} },
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () =>
      assert.deepEqual(resolveStorageConfig(c.input.server, c.input.request), c.want),
    );
  }
});

describe('storageBackendOf', () => {
  const cases = [
    { name: 'picks s3 first', input: { s3: { bucket: 'b' }, gcp: { bucket: 'g' } }, want: 's3' },
    {
      name: 'picks gcp before azure',
      input: {
        gcp: { bucket: 'g' },
        azure: { accountName: 'a', accountKey: 'k', containerName: 'c' },
      },
      want: 'gcp',
    },
    { name: 'recognises alioss', input: { aliOss: { bucket: 'b' } }, want: 'alioss' },
    { name: 'means local disk without a provider', input: { prefix: 'p' }, want: 'local' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(storageBackendOf(c.input), c.want));
  }
});
