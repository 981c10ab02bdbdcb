import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UploadConfig } from '@egress/protocol';
import { AzureBlobUpload, GCPUpload, ProxyConfig, S3Upload } from '@livekit/protocol';
import { requestUploadOf } from './output-uploader.js';

describe('requestUploadOf', () => {
  const cases: { name: string; input: UploadConfig; want: unknown }[] = [
    {
      name: 'maps an S3 block, dropping empty fields and keeping the proxy',
      input: {
        case: 's3',
        value: new S3Upload({
          bucket: 'b',
          accessKey: 'AK',
          secret: 'SK',
          region: 'eu-west-1',
          forcePathStyle: true,
          metadata: { a: '1' },
          proxy: new ProxyConfig({ url: 'http://proxy:3128', username: 'u' }),
        }),
      },
      want: {
        s3: {
          bucket: 'b',
          accessKey: 'AK',
          secret: 'SK',
          region: 'eu-west-1',
          forcePathStyle: true,
          metadata: { a: '1' },
          proxy: { url: 'http://proxy:3128', username: 'u' },
        },
      },
    },
    {
      name: 'maps a GCP block, naming the credentials as the config does',
      input: { case: 'gcp', value: new GCPUpload({ bucket: 'g', credentials: '{"k":1}' }) },
      want: { gcp: { bucket: 'g', credentialsJson: '{"k":1}' } },
    },
    {
      name: 'maps an Azure block',
      input: {
        case: 'azure',
        value: new AzureBlobUpload({ accountName: 'acct', accountKey: 'key', containerName: 'c' }),
      },
      want: { azure: { accountName: 'acct', accountKey: 'key', containerName: 'c' } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(requestUploadOf(c.input), c.want);
    });
  }
});
