import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presignS3Get } from './presign-s3.js';

describe('presignS3Get', () => {
  it('matches the AWS SigV4 query-string example', () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    const url = presignS3Get({
      bucket: 'examplebucket',
      key: 'test.txt',
      region: 'us-east-1',
      endpoint: 'https://s3.amazonaws.com',
      credentials: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      expiresInSec: 86400,
      now: new Date('2013-05-24T00:00:00Z'),
    });
    assert.equal(
      url,
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
        '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
        '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it('caps the expiry at seven days', () => {
    const url = presignS3Get({
      bucket: 'b',
      key: 'k',
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 's' },
      expiresInSec: 30 * 24 * 3600,
    });
    assert.match(url, /X-Amz-Expires=604800&/);
  });
});
