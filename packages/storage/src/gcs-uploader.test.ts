import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createUploader } from './create-uploader.js';
import { GcsUploader } from './gcs-uploader.js';
import { captureLogger } from './testing/capture-logger.js';
import { type GcsFakeServer, startGcsFakeServer } from './testing/gcs-fake-server.js';
import { md5Of, writeRandomFile } from './testing/random-file.js';

const BUCKET = 'egress-test';

describe('GcsUploader (in-repo GCS fake)', { timeout: 60_000 }, () => {
  let gcs: GcsFakeServer;
  let dir: string;
  let small: string;
  let big: string;
  let bigMd5: string;

  before(async () => {
    gcs = await startGcsFakeServer({ buckets: [BUCKET] });
    dir = await mkdtemp(join(tmpdir(), 'gcs-uploader-'));
    small = join(dir, 'small.mp4');
    await writeFile(small, 'small recording');
    big = join(dir, 'big.mp4');
    bigMd5 = await writeRandomFile(big, 50 * 1024 * 1024);
  });
  after(async () => {
    await gcs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads a small file in one multipart request', async () => {
    const { logger } = captureLogger();
    const before = gcs.requests.length;
    const u = createUploader({ gcp: gcs.config(BUCKET) }, { logger });
    const res = await u.upload({ localPath: small, storagePath: 'rooms/small.mp4' });
    assert.deepEqual(res, {
      location: `${gcs.apiEndpoint}/${BUCKET}/rooms/small.mp4`,
      sizeBytes: 15,
    });
    assert.deepEqual(gcs.requests.slice(before), ['POST multipart']);
    const obj = gcs.getObject(BUCKET, 'rooms/small.mp4');
    assert.equal(obj?.data.toString(), 'small recording');
    assert.equal(obj?.contentType, 'video/mp4');
  });

  it('uploads a 50 MB file with a resumable upload', async () => {
    const { logger } = captureLogger();
    const before = gcs.requests.length;
    const u = createUploader({ gcp: gcs.config(BUCKET) }, { logger });
    const res = await u.upload({ localPath: big, storagePath: 'big.mp4' });
    assert.equal(res.sizeBytes, 50 * 1024 * 1024);
    assert.deepEqual(gcs.requests.slice(before, before + 2), ['POST resumable', 'PUT resumable']);
    assert.equal(await md5Of(gcs.getObject(BUCKET, 'big.mp4')?.data ?? Buffer.alloc(0)), bigMd5);
  });

  it('keeps unicode and spaces in object names and applies the prefix', async () => {
    const { logger } = captureLogger();
    const u = createUploader({ prefix: 'pré fix', gcp: gcs.config(BUCKET) }, { logger });
    const res = await u.upload({ localPath: small, storagePath: 'Räum 1/日本 語.mp4' });
    assert.equal(res.location, `${gcs.apiEndpoint}/${BUCKET}/pré fix/Räum 1/日本 語.mp4`);
    assert.ok(gcs.getObject(BUCKET, 'pré fix/Räum 1/日本 語.mp4'));
  });

  it('fails fast with a clear error naming GCP on a bucket that does not exist', async () => {
    const { logger } = captureLogger();
    const u = createUploader({ gcp: gcs.config('no-such-bucket') }, { logger });
    const err = await u.upload({ localPath: small, storagePath: 'x.mp4' }).catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.match(err.message, /^GCP upload failed: not found \(404/);
    assert.equal((err as { details?: Record<string, string> }).details?.attempts, '1');
  });

  it('rejects credentials_json that is not JSON without echoing it', () => {
    const { logger } = captureLogger();
    const secret = '-----BEGIN PRIVATE KEY----- not json';
    assert.throws(
      () => createUploader({ gcp: { bucket: BUCKET, credentialsJson: secret } }, { logger }),
      (err: Error) =>
        /^storage\.gcp\.credentials_json: expected the JSON/.test(err.message) &&
        !err.message.includes(secret),
    );
  });

  it('retries and succeeds when the fake is stopped and restarted mid-upload', async () => {
    const { logger, lines } = captureLogger();
    const u = new GcsUploader({
      config: gcs.config(BUCKET),
      logger,
      retryPolicy: { maxAttempts: 8, minDelayMs: 100, maxDelayMs: 1000 },
    });
    const midUpload = gcs.waitForRequest('PUT resumable');
    const upload = u.upload({ localPath: big, storagePath: 'restarted.mp4' });
    await midUpload;
    await gcs.stop();
    await sleep(300);
    await gcs.restart();
    const res = await upload;
    assert.equal(res.sizeBytes, 50 * 1024 * 1024);
    assert.equal(
      await md5Of(gcs.getObject(BUCKET, 'restarted.mp4')?.data ?? Buffer.alloc(0)),
      bigMd5,
    );
    const retries = lines.filter((l) => l.msg === 'upload failed, retrying');
    assert.ok(retries.length >= 1, 'at least one retry was logged');
  });
});
