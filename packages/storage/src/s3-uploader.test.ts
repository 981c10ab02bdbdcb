import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createUploader } from './create-uploader.js';
import { S3Uploader } from './s3-uploader.js';
import { captureLogger } from './testing/capture-logger.js';
import { startConnectProxy } from './testing/connect-proxy.js';
import { md5Of, writeRandomFile } from './testing/random-file.js';
import {
  S3RVER_ACCESS_KEY,
  S3RVER_SECRET,
  type S3rverEmulator,
  startS3rver,
} from './testing/s3rver-emulator.js';

const BUCKET = 'egress-test';

describe('S3Uploader (s3rver)', { timeout: 60_000 }, () => {
  let s3: S3rverEmulator;
  let dir: string;
  let client: S3Client;
  let small: string;
  let big: string;
  let bigMd5: string;

  before(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    dir = await mkdtemp(join(tmpdir(), 's3-uploader-'));
    small = join(dir, 'small.mp4');
    await writeFile(small, 'small recording');
    big = join(dir, 'big.mp4');
    bigMd5 = await writeRandomFile(big, 50 * 1024 * 1024);
    client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET },
    });
  });
  after(async () => {
    client.destroy();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function stored(
    key: string,
  ): Promise<{ md5: string; size: number; head: Record<string, unknown> }> {
    const obj = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const md5 = await md5Of(obj.Body as Readable);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return {
      md5,
      size: Number(head.ContentLength),
      head: head as unknown as Record<string, unknown>,
    };
  }

  it('uploads a small file with metadata and an inline content disposition', async () => {
    const { logger } = captureLogger();
    const u = createUploader(
      { s3: { ...s3.config(BUCKET), metadata: { room: 'r1' } } },
      { logger },
    );
    const res = await u.upload({ localPath: small, storagePath: 'rooms/small.mp4' });
    assert.deepEqual(res, { location: `${s3.endpoint}/${BUCKET}/rooms/small.mp4`, sizeBytes: 15 });
    const got = await stored('rooms/small.mp4');
    assert.equal(got.size, 15);
    assert.equal(got.head.ContentDisposition, 'inline');
    assert.equal(got.head.ContentType, 'video/mp4');
    assert.deepEqual(got.head.Metadata, { room: 'r1' });
  });

  it('uploads a 50 MB file in parts', async () => {
    const { logger } = captureLogger();
    const sawPart = s3.waitForRequest((m, u) => m === 'PUT' && u.includes('partNumber=2'));
    const u = createUploader({ s3: s3.config(BUCKET) }, { logger });
    const res = await u.upload({ localPath: big, storagePath: 'big.mp4' });
    await sawPart;
    assert.equal(res.sizeBytes, 50 * 1024 * 1024);
    const got = await stored('big.mp4');
    assert.equal(got.md5, bigMd5);
  });

  it('keeps unicode and spaces in keys and applies the prefix', async () => {
    const { logger } = captureLogger();
    const u = createUploader({ prefix: 'pré fix', s3: s3.config(BUCKET) }, { logger });
    const res = await u.upload({ localPath: small, storagePath: 'Räum 1/日本 語.mp4' });
    assert.equal(res.location, `${s3.endpoint}/${BUCKET}/pré fix/Räum 1/日本 語.mp4`);
    assert.equal((await stored('pré fix/Räum 1/日本 語.mp4')).size, 15);
  });

  it('returns a presigned URL that downloads the object', async () => {
    const { logger } = captureLogger();
    const u = createUploader({ generatePresignedUrl: true, s3: s3.config(BUCKET) }, { logger });
    const res = await u.upload({ localPath: small, storagePath: 'presigned/ü x.mp4' });
    assert.ok(res.presignedUrl);
    assert.match(res.presignedUrl, /X-Amz-Expires=604800/);
    const download = await fetch(res.presignedUrl);
    assert.equal(download.status, 200);
    assert.equal(await download.text(), 'small recording');
  });

  it('fails fast with a clear error naming S3 on wrong credentials, without the secret', async () => {
    const { logger, lines } = captureLogger();
    const secret = 'very-secret-value-123';
    const u = createUploader(
      { s3: { ...s3.config(BUCKET), accessKey: 'WRONGKEY', secret } },
      { logger },
    );
    const err = await u
      .upload({ localPath: small, storagePath: 'denied.mp4' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.match(err.message, /^S3 upload failed: access denied \(403 /);
    assert.equal((err as { details?: Record<string, string> }).details?.attempts, '1');
    assert.ok(!err.message.includes(secret) && !err.message.includes('WRONGKEY'));
    assert.ok(!JSON.stringify(lines).includes(secret));
  });

  it('fails fast on a bucket that does not exist', async () => {
    const { logger } = captureLogger();
    const u = createUploader({ s3: s3.config('no-such-bucket') }, { logger });
    await assert.rejects(u.upload({ localPath: small, storagePath: 'x.mp4' }), {
      code: 'invalid_argument',
      message: /^S3 upload failed: not found \(404 NoSuchBucket\)/,
    });
  });

  it('retries and succeeds when s3rver is stopped and restarted mid-upload', async () => {
    const { logger, lines } = captureLogger();
    const u = new S3Uploader({
      config: { ...s3.config(BUCKET), maxRetries: 8, minRetryDelayMs: 100, maxRetryDelayMs: 1000 },
      logger,
      partSizeBytes: 5 * 1024 * 1024,
      queueSize: 1,
    });
    const midUpload = s3.waitForRequest((m, url) => m === 'PUT' && url.includes('partNumber=3'));
    const upload = u.upload({ localPath: big, storagePath: 'restarted.mp4' });
    await midUpload;
    await s3.stop();
    await sleep(300);
    await s3.restart();
    const res = await upload;
    assert.equal(res.sizeBytes, 50 * 1024 * 1024);
    assert.equal((await stored('restarted.mp4')).md5, bigMd5);
    const retries = lines.filter((l) => l.msg === 'upload failed, retrying');
    assert.ok(retries.length >= 1, 'at least one retry was logged');
    assert.equal(retries[0]?.attempt, 1);
    u.close();
  });

  it('goes through proxy_config with Proxy-Authorization', async () => {
    const { logger } = captureLogger();
    const auth = `Basic ${Buffer.from('user:pass').toString('base64')}`;
    const proxy = await startConnectProxy({ requireAuthorization: auth });
    try {
      const u = createUploader(
        {
          s3: {
            ...s3.config(BUCKET),
            proxy: { url: proxy.url, username: 'user', password: 'pass' },
          },
        },
        { logger },
      );
      await u.upload({ localPath: small, storagePath: 'proxied.mp4' });
      assert.ok(proxy.connects.length >= 1);
      assert.equal(proxy.connects[0]?.target, `127.0.0.1:${s3.port}`);
      assert.equal((await stored('proxied.mp4')).size, 15);
    } finally {
      await proxy.close();
    }
  });

  it('rejects options it cannot honour, naming the key', () => {
    const { logger } = captureLogger();
    assert.throws(() => createUploader({ s3: { bucket: '' } }, { logger }), {
      message: /storage\.s3\.bucket/,
    });
    assert.throws(
      () =>
        createUploader({ s3: { bucket: 'b', assumeRoleArn: 'arn:aws:iam::1:role/x' } }, { logger }),
      { message: /storage\.s3\.assume_role_arn/ },
    );
    assert.throws(
      () => createUploader({ s3: { bucket: 'b', proxy: { url: 'not a url' } } }, { logger }),
      { message: /storage\.s3\.proxy_config\.url/ },
    );
  });
});
