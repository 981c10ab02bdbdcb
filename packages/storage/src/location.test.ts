import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { azureLocation, gcsLocation, s3Location } from './location.js';

describe('s3Location', () => {
  const cases = [
    {
      name: 'uses the virtual-hosted AWS form by default',
      input: { bucket: 'b', key: 'room/a.mp4' },
      want: 'https://b.s3.amazonaws.com/room/a.mp4',
    },
    {
      name: 'puts a custom endpoint after the bucket',
      input: { bucket: 'b', key: 'a.mp4', endpoint: 'minio.example.com' },
      want: 'https://b.minio.example.com/a.mp4',
    },
    {
      name: 'uses endpoint/bucket/key with path style',
      input: { bucket: 'b', key: 'a.mp4', endpoint: 'http://127.0.0.1:4569', forcePathStyle: true },
      want: 'http://127.0.0.1:4569/b/a.mp4',
    },
    {
      name: 'adds https to a path-style endpoint without a scheme',
      input: { bucket: 'b', key: 'a.mp4', endpoint: 'minio.example.com', forcePathStyle: true },
      want: 'https://minio.example.com/b/a.mp4',
    },
    {
      name: 'uses s3.amazonaws.com with path style and no endpoint',
      input: { bucket: 'b', key: 'a.mp4', forcePathStyle: true },
      want: 'https://s3.amazonaws.com/b/a.mp4',
    },
    {
      name: 'keeps unicode and spaces in the key unencoded, as Go does',
      input: { bucket: 'b', key: 'räum 1/ü.mp4' },
      want: 'https://b.s3.amazonaws.com/räum 1/ü.mp4',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(s3Location(c.input), c.want));
  }
});

describe('azureLocation', () => {
  const cases = [
    {
      name: 'uses the account blob host by default',
      input: { accountName: 'acct', containerName: 'rec', blobName: 'a/b.mp4' },
      want: 'https://acct.blob.core.windows.net/rec/a/b.mp4',
    },
    {
      name: 'uses a custom endpoint such as Azurite',
      input: {
        accountName: 'devstoreaccount1',
        containerName: 'rec',
        blobName: 'b.mp4',
        endpoint: 'http://127.0.0.1:10000/devstoreaccount1/',
      },
      want: 'http://127.0.0.1:10000/devstoreaccount1/rec/b.mp4',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(azureLocation(c.input), c.want));
  }
});

describe('gcsLocation', () => {
  const cases = [
    {
      name: 'uses the bucket storage host by default',
      input: { bucket: 'b', objectName: 'a/b.mp4' },
      want: 'https://b.storage.googleapis.com/a/b.mp4',
    },
    {
      name: 'uses an api endpoint override',
      input: { bucket: 'b', objectName: 'a.mp4', apiEndpoint: 'http://127.0.0.1:4443' },
      want: 'http://127.0.0.1:4443/b/a.mp4',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(gcsLocation(c.input), c.want));
  }
});
