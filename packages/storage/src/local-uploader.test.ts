import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EgressError } from '@egress/protocol';
import { LocalUploader } from './local-uploader.js';
import { resolveWithin } from './resolve-within.js';
import { captureLogger } from './testing/capture-logger.js';

describe('resolveWithin', () => {
  const cases = [
    { name: 'joins a relative path', input: 'a/b.mp4', want: '/base/a/b.mp4' },
    {
      name: 'reads a leading slash from the base, as Go path.Join',
      input: '/a.mp4',
      want: '/base/a.mp4',
    },
    { name: 'allows .. that stays inside', input: 'a/../b.mp4', want: '/base/b.mp4' },
    { name: 'keeps unicode and spaces', input: 'räum 1/ü.mp4', want: '/base/räum 1/ü.mp4' },
    { name: 'rejects .. that leaves', input: '../etc/passwd', want: 'invalid_argument' },
    { name: 'rejects .. hidden in the middle', input: 'a/../../x', want: 'invalid_argument' },
    { name: 'rejects a NUL', input: 'a\0.mp4', want: 'invalid_argument' },
    { name: 'rejects the base itself', input: '', want: 'invalid_argument' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let got: string;
      try {
        got = resolveWithin('/base', c.input);
      } catch (err) {
        assert.ok(err instanceof EgressError);
        got = err.code;
      }
      assert.equal(got, c.want);
    });
  }
});

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
      message: /inside the output directory/,
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
