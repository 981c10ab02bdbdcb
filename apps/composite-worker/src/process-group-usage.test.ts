import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessGroupUsage } from './process-group-usage.js';

const MIB = 1024 * 1024;

describe('ProcessGroupUsage', () => {
  it('measures the cpu and memory of each process group and of every process', async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], {
      detached: true,
      stdio: 'ignore',
    });
    // holds 200 MiB of touched memory
    const big = spawn(
      process.execPath,
      ['-e', 'const b = Buffer.alloc(200 * 1024 * 1024, 1); setInterval(() => b[0]++, 1000)'],
      { detached: true, stdio: 'ignore' },
    );
    try {
      const busyPid = busy.pid ?? 0;
      const bigPid = big.pid ?? 0;
      const usage = new ProcessGroupUsage();
      // until the big one has filled its buffer (it spends CPU doing so)
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const first = await usage.sample([busyPid, bigPid]);
        if ((first.groups.get(bigPid)?.rssBytes ?? 0) > 200 * MIB) break;
        await sleep(200);
      }
      await sleep(1500);
      const sample = await usage.sample([busyPid, bigPid]);
      const busyUse = sample.groups.get(busyPid);
      const bigUse = sample.groups.get(bigPid);
      // a spinning process gets a good share of a core even on a busy shared machine
      assert.ok((busyUse?.cpu ?? 0) > 0.1, `busy cpu: ${busyUse?.cpu}`);
      assert.ok((bigUse?.cpu ?? 1) < 0.05, `idle cpu: ${bigUse?.cpu}`);
      assert.ok((bigUse?.rssBytes ?? 0) > 200 * MIB, `big rss: ${bigUse?.rssBytes}`);
      assert.ok((busyUse?.rssBytes ?? 0) < 150 * MIB, `busy rss: ${busyUse?.rssBytes}`);
      assert.ok(sample.nodeCpu >= (busyUse?.cpu ?? 0), `node cpu ${sample.nodeCpu}`);
      // this test process and both children
      const selfRss = process.memoryUsage.rss();
      assert.ok(
        sample.nodeRssBytes >= (bigUse?.rssBytes ?? 0) + selfRss * 0.5,
        `node rss ${sample.nodeRssBytes}`,
      );
    } finally {
      for (const child of [busy, big]) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
    }
  });

  it('reads nothing and reports zeros without groups', async () => {
    const sample = await new ProcessGroupUsage('/nonexistent').sample([]);
    assert.deepEqual(sample, { groups: new Map(), nodeCpu: 0, nodeRssBytes: 0 });
  });
});
