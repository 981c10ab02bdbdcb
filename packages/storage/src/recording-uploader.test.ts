import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createUploader } from './create-uploader.js';
import { createRecordingUploader, RecordingUploader } from './recording-uploader.js';
import type { S3Config } from './storage-config.js';
import { captureLogger } from './testing/capture-logger.js';
import { type GcsFakeServer, startGcsFakeServer } from './testing/gcs-fake-server.js';
import { type S3rverEmulator, startS3rver } from './testing/s3rver-emulator.js';

const BUCKET = 'egress-test';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('RecordingUploader', { timeout: 60_000 }, () => {
  let s3: S3rverEmulator;
  let gcs: GcsFakeServer;
  let dir: string;
  let file: string;
  let downS3: S3Config;

  before(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    gcs = await startGcsFakeServer({ buckets: [BUCKET] });
    dir = await mkdtemp(join(tmpdir(), 'recording-uploader-'));
    // A store that refuses connections: s3rver's port once it is stopped.
    const down = await startS3rver({ buckets: [BUCKET] });
    downS3 = { ...down.config(BUCKET), maxRetries: 2, minRetryDelayMs: 10, maxRetryDelayMs: 20 };
    await down.close();
  });
  after(async () => {
    await s3.close();
    await gcs.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    file = join(dir, `rec-${Math.random().toString(36).slice(2)}.mp4`);
    await writeFile(file, 'recording bytes');
  });

  it('uploads to the primary and deletes the local file only when asked', async () => {
    const { logger } = captureLogger();
    const u = createRecordingUploader({ storage: { s3: s3.config(BUCKET) }, logger });
    const kept = await u.upload({ localPath: file, storagePath: 'kept.mp4' });
    assert.equal(kept.backupStorageUsed, false);
    assert.equal(kept.location, `${s3.endpoint}/${BUCKET}/kept.mp4`);
    assert.ok(await exists(file));
    await u.upload({ localPath: file, storagePath: 'deleted.mp4', deleteAfterUpload: true });
    assert.equal(await exists(file), false);
    assert.equal(u.backupStorageUsed, false);
  });

  it('reports the presigned URL as the location, as Go does', async () => {
    const { logger } = captureLogger();
    const u = createRecordingUploader({
      storage: { generatePresignedUrl: true, s3: s3.config(BUCKET) },
      logger,
    });
    const res = await u.upload({ localPath: file, storagePath: 'presigned.mp4' });
    assert.equal(res.storageLocation, `${s3.endpoint}/${BUCKET}/presigned.mp4`);
    assert.equal(res.location, res.presignedUrl);
    assert.match(res.location, /X-Amz-Signature=/);
  });

  it('uses the backup when the primary is down, and stays on it', async () => {
    const { logger, lines } = captureLogger();
    const u = createRecordingUploader({
      storage: { s3: downS3 },
      backup: { gcp: gcs.config(BUCKET) },
      logger,
    });
    const first = await u.upload({
      localPath: file,
      storagePath: 'backup/a.mp4',
      deleteAfterUpload: true,
    });
    assert.equal(first.backupStorageUsed, true);
    assert.equal(first.location, `${gcs.apiEndpoint}/${BUCKET}/backup/a.mp4`);
    assert.equal(u.backupStorageUsed, true);
    assert.equal(await exists(file), false);
    assert.ok(lines.some((l) => l.msg === 'primary storage failed, switching to backup storage'));

    await writeFile(file, 'second');
    const second = await u.upload({ localPath: file, storagePath: 'backup/b.mp4' });
    assert.equal(second.backupStorageUsed, true);
    assert.equal(gcs.getObject(BUCKET, 'backup/b.mp4')?.data.toString(), 'second');
    // Go stays on the backup: no second try of the primary.
    assert.equal(lines.filter((l) => l.msg === 'upload failed, retrying').length, 1);
  });

  it('keeps the file and names its path when every store fails', async () => {
    const { logger } = captureLogger();
    const u = new RecordingUploader({
      primary: createUploader({ s3: downS3 }, { logger }),
      backup: createUploader({ gcp: gcs.config('no-such-bucket') }, { logger }),
      logger,
    });
    const err = await u
      .upload({ localPath: file, storagePath: 'lost.mp4', deleteAfterUpload: true })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.match(
      err.message,
      /^S3 upload failed: connection refused \(ECONNREFUSED\).* after 2 attempts; backup storage: GCP upload failed: not found .*; the recording is kept at /,
    );
    assert.ok(err.message.endsWith(file));
    assert.equal((err as { details?: Record<string, string> }).details?.localPath, file);
    assert.ok(await exists(file), 'the local file is still there');
    assert.ok(!err.message.includes(downS3.secret ?? 'S3RVER-SECRET'));
  });

  it('keeps the file and names its path when the primary fails without a backup', async () => {
    const { logger } = captureLogger();
    const u = createRecordingUploader({ storage: { s3: downS3 }, logger });
    await assert.rejects(
      u.upload({ localPath: file, storagePath: 'x.mp4', deleteAfterUpload: true }),
      {
        code: 'invalid_argument',
        message: new RegExp(`^S3 upload failed: .*; the recording is kept at ${file}$`),
      },
    );
    assert.ok(await exists(file));
  });

  it('fails with a clear error when the local file is missing', async () => {
    const { logger } = captureLogger();
    const u = createRecordingUploader({ storage: { s3: s3.config(BUCKET) }, logger });
    const missing = join(dir, 'never-written.mp4');
    await assert.rejects(u.upload({ localPath: missing, storagePath: 'x.mp4' }), {
      code: 'internal',
      message: `cannot upload ${missing}: the file does not exist`,
    });
  });
});
