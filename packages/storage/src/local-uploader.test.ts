import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalUploader } from './local-uploader.js';
import { captureLogger } from './testing/capture-logger.js';

describe('LocalUploader', () => {
  let dir: string;
  let source: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-uploader-'));
    source = join(dir, 'src.mp4');
    await writeFile(source, 'recording');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies into the directory and reports the absolute path and size', async () => {
    const { logger } = captureLogger();
    const u = new LocalUploader({ directory: join(dir, 'out'), logger });
    const res = await u.upload({ localPath: source, storagePath: 'räum 1/ü.mp4' });
    assert.deepEqual(res, { location: join(dir, 'out/räum 1/ü.mp4'), sizeBytes: 9 });
    assert.equal(await readFile(res.location, 'utf8'), 'recording');
    assert.equal(await readFile(source, 'utf8'), 'recording');
  });

  it('rejects a storage path that leaves the directory', async () => {
    const { logger } = captureLogger();
    const u = new LocalUploader({ directory: join(dir, 'out'), logger });
    await assert.rejects(u.upload({ localPath: source, storagePath: '../escaped.mp4' }), {
      code: 'invalid_argument',
    });
  });

  it('rejects an empty storage path', async () => {
    const { logger } = captureLogger();
    const u = new LocalUploader({ directory: join(dir, 'out'), logger });
    await assert.rejects(u.upload({ localPath: source, storagePath: '' }), {
      code: 'invalid_argument',
      message: /expected a file name/,
    });
  });

  it('rejects a storage path that leaves through a symlinked folder', async () => {
    const { logger } = captureLogger();
    const out = join(dir, 'out2');
    await mkdir(join(dir, 'elsewhere'), { recursive: true });
    await mkdir(out, { recursive: true });
    await symlink(join(dir, 'elsewhere'), join(out, 'link'));
    const u = new LocalUploader({ directory: out, logger });
    await assert.rejects(u.upload({ localPath: source, storagePath: 'link/x.mp4' }), {
      code: 'invalid_argument',
      message: /symlink/,
    });
  });

  it('fails with a clear error when the local file is missing', async () => {
    const { logger } = captureLogger();
    const u = new LocalUploader({ directory: join(dir, 'out'), logger });
    await assert.rejects(u.upload({ localPath: join(dir, 'nope.mp4'), storagePath: 'x.mp4' }), {
      message: 'Local upload failed: the local file does not exist',
    });
  });
});
