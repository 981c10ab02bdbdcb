import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessTreeUsage } from './process-tree-usage.js';

describe('ProcessTreeUsage', () => {
  it('counts a busy grandchild toward its root and nothing toward an idle tree', async () => {
    // busy root: a node process whose child spins (the cell → encoder shape)
    const busy = spawn(
      process.execPath,
      [
        '-e',
        "const c = require('node:child_process').spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }); process.on('SIGTERM', () => { c.kill('SIGKILL'); process.exit(0); }); setInterval(() => {}, 1000);",
      ],
      { stdio: 'ignore' },
    );
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    });
    try {
      const busyPid = busy.pid ?? 0;
      const idlePid = idle.pid ?? 0;
      const usage = new ProcessTreeUsage();
      await sleep(500);
      const first = await usage.sample([busyPid, idlePid]);
      assert.equal(first.get(busyPid)?.cpu, 0, 'no cpu on the first sample');
      await sleep(1500);
      const second = await usage.sample([busyPid, idlePid]);
      // a spinning process gets a good share of a core even on a busy shared machine
      assert.ok((second.get(busyPid)?.cpu ?? 0) > 0.1, `busy: ${second.get(busyPid)?.cpu}`);
      assert.ok((second.get(idlePid)?.cpu ?? 1) < 0.05, `idle: ${second.get(idlePid)?.cpu}`);
      // two node processes in the busy tree, one in the idle one
      assert.ok((second.get(busyPid)?.rssBytes ?? 0) > (second.get(idlePid)?.rssBytes ?? 0));
      assert.ok((second.get(idlePid)?.rssBytes ?? 0) > 10_000_000);
    } finally {
      for (const child of [busy, idle]) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    }
  });

  it('reports zeros for a root that is gone', async () => {
    const usage = new ProcessTreeUsage();
    const gone = 2 ** 22 + 7; // above the default pid_max
    await usage.sample([gone]);
    assert.deepEqual((await usage.sample([gone])).get(gone), { cpu: 0, rssBytes: 0 });
  });
});
