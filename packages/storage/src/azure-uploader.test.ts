import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AzureUploader } from './azure-uploader.js';
import { createUploader } from './create-uploader.js';
import { type AzuriteEmulator, startAzurite } from './testing/azurite-emulator.js';
import { captureLogger } from './testing/capture-logger.js';
import { md5Of, writeRandomFile } from './testing/random-file.js';

const CONTAINER = 'egress-test';
const QUICK_RETRY = { maxAttempts: 3, minDelayMs: 20, maxDelayMs: 100 };

describe('AzureUploader (Azurite)', { timeout: 90_000 }, () => {
  let azurite: AzuriteEmulator;
  let dir: string;
  let small: string;
  let big: string;
  let bigMd5: string;

  before(async () => {
    azurite = await startAzurite({ containers: [CONTAINER] });
    dir = await mkdtemp(join(tmpdir(), 'azure-uploader-'));
    small = join(dir, 'small.mp4');
    await writeFile(small, 'small recording');
    big = join(dir, 'big.mp4');
    bigMd5 = await writeRandomFile(big, 50 * 1024 * 1024);
  });
  after(async () => {
    await azurite.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function stored(name: string): Promise<{ md5: string; contentType: string | undefined }> {
    const blob = azurite.serviceClient().getContainerClient(CONTAINER).getBlobClient(name);
    const res = await blob.download();
    return {
      md5: await md5Of(res.readableStreamBody as Readable),
      contentType: res.contentType,
    };
  }

  it('uploads a small file', async () => {
    const { logger } = captureLogger();
    const u = createUploader({ azure: azurite.config(CONTAINER) }, { logger });
    const res = await u.upload({ localPath: small, storagePath: 'rooms/small.mp4' });
    assert.deepEqual(res, {
      location: `${azurite.endpoint}/${CONTAINER}/rooms/small.mp4`,
      sizeBytes: 15,
    });
    const got = await stored('rooms/small.mp4');
    assert.equal(got.md5, await md5Of(Buffer.from('small recording')));
    assert.equal(got.contentType, 'video/mp4');
  });

  it('uploads a 50 MB file in blocks', async () => {
    const { logger } = captureLogger();
    const u = createUploader({ azure: azurite.config(CONTAINER) }, { logger });
    const res = await u.upload({ localPath: big, storagePath: 'big.mp4' });
    assert.equal(res.sizeBytes, 50 * 1024 * 1024);
    assert.equal((await stored('big.mp4')).md5, bigMd5);
  });

  it('keeps unicode and spaces in blob names and returns a SAS URL when asked', async () => {
    const { logger } = captureLogger();
    const u = createUploader(
      { generatePresignedUrl: true, azure: azurite.config(CONTAINER) },
      { logger },
    );
    const res = await u.upload({ localPath: small, storagePath: 'Räum 1/日本 語.mp4' });
    assert.equal(res.location, `${azurite.endpoint}/${CONTAINER}/Räum 1/日本 語.mp4`);
    assert.ok(res.presignedUrl);
    const download = await fetch(res.presignedUrl);
    assert.equal(await download.text(), 'small recording');
  });

  it('fails fast with a clear error naming Azure on a wrong account key, without the key', async () => {
    const { logger } = captureLogger();
    const wrongKey = Buffer.from('not-the-right-key-but-valid-base64').toString('base64');
    const u = createUploader(
      { azure: { ...azurite.config(CONTAINER), accountKey: wrongKey } },
      { logger },
    );
    const err = await u
      .upload({ localPath: small, storagePath: 'denied.mp4' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.match(err.message, /^Azure upload failed: access denied \(403 /);
    assert.equal((err as { details?: Record<string, string> }).details?.attempts, '1');
    assert.ok(!err.message.includes(wrongKey));
  });

  it('fails fast on a container that does not exist', async () => {
    const { logger } = captureLogger();
    const u = new AzureUploader({
      config: azurite.config('no-such-container'),
      logger,
      retryPolicy: QUICK_RETRY,
    });
    await assert.rejects(u.upload({ localPath: small, storagePath: 'x.mp4' }), {
      message: /^Azure upload failed: not found \(404 ContainerNotFound\)/,
    });
  });

  it('retries and succeeds when Azurite is killed and restarted mid-upload', async () => {
    const { logger, lines } = captureLogger();
    const u = new AzureUploader({
      config: azurite.config(CONTAINER),
      logger,
      // Azurite needs 1-2 s to come back: leave the retries room for that.
      retryPolicy: { maxAttempts: 10, minDelayMs: 200, maxDelayMs: 2000 },
      blockSizeBytes: 1024 * 1024,
      concurrency: 2,
      maxSingleShotBytes: 4 * 1024 * 1024,
    });
    const blob = azurite
      .serviceClient()
      .getContainerClient(CONTAINER)
      .getBlockBlobClient('restarted.mp4');
    const upload = u.upload({ localPath: big, storagePath: 'restarted.mp4' });
    // Kill once some blocks are staged, so the upload is really in flight.
    let staged = 0;
    for (let i = 0; i < 500 && staged < 2; i++) {
      const list = await blob.getBlockList('uncommitted').catch(() => undefined);
      staged = list?.uncommittedBlocks?.length ?? 0;
      if (staged < 2) await sleep(10);
    }
    assert.ok(staged >= 2, 'blocks were staged before the kill');
    await azurite.stop();
    await sleep(300);
    await azurite.restart();
    const res = await upload;
    assert.equal(res.sizeBytes, 50 * 1024 * 1024);
    assert.equal((await stored('restarted.mp4')).md5, bigMd5);
    const retries = lines.filter((l) => l.msg === 'upload failed, retrying');
    assert.ok(retries.length >= 1, 'at least one retry was logged');
  });
});
