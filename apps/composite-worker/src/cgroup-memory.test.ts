import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCgroupMemoryBytes } from './cgroup-memory.js';

// cgroup files laid out in a temp folder as the kernel writes them
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cgroup-memory-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function layout(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('readCgroupMemoryBytes', () => {
  const cases: { name: string; files: Record<string, string>; want: number | undefined }[] = [
    {
      name: 'reads cgroup v2 usage less the inactive page cache',
      files: {
        'memory.current': '1000000\n',
        'memory.stat': 'anon 500000\ninactive_file 300000\nactive_file 1\n',
      },
      want: 700000,
    },
    {
      name: 'reads cgroup v1 usage less the total inactive page cache',
      files: {
        'memory/memory.usage_in_bytes': '2000000\n',
        'memory/memory.stat': 'inactive_file 5\ntotal_inactive_file 500000\n',
      },
      want: 1500000,
    },
    {
      name: 'keeps the usage when the stat file is missing',
      files: { 'memory.current': '1234\n' },
      want: 1234,
    },
    { name: 'is undefined without a memory controller', files: {}, want: undefined },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      assert.equal(await readCgroupMemoryBytes(await layout(`case-${i}`, c.files)), c.want);
    });
  }

  it('reads this machine: defined exactly when a memory controller is mounted, within its RAM', async () => {
    const hasController =
      existsSync('/sys/fs/cgroup/memory.current') ||
      existsSync('/sys/fs/cgroup/memory/memory.usage_in_bytes');
    const bytes = await readCgroupMemoryBytes();
    if (!hasController) {
      assert.equal(bytes, undefined);
      return;
    }
    assert.ok(bytes !== undefined, 'a memory controller is mounted but nothing was read');
    // this process's heap is charged to the cgroup read (ours or an ancestor), and page cache
    // or not, a cgroup cannot use more than the machine has
    const heapBytes = process.memoryUsage().heapUsed;
    assert.ok(bytes >= heapBytes, `${bytes} bytes, less than this process's heap of ${heapBytes}`);
    assert.ok(bytes <= totalmem(), `${bytes} bytes, more than the machine's ${totalmem()}`);
  });
});
