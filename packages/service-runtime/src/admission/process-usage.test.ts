import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessUsage } from './process-usage.js';

const MIB = 1024 * 1024;

async function kill(children: ChildProcess[], signal: NodeJS.Signals): Promise<void> {
  for (const child of children) {
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }
}

describe('ProcessUsage', () => {
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
      const usage = new ProcessUsage({ select: 'group' });
      // until the big one has filled its buffer (it spends CPU doing so)
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const first = await usage.sample([busyPid, bigPid]);
        if ((first.byLeader.get(bigPid)?.rssBytes ?? 0) > 200 * MIB) break;
        await sleep(200);
      }
      await sleep(1500);
      const sample = await usage.sample([busyPid, bigPid]);
      const busyUse = sample.byLeader.get(busyPid);
      const bigUse = sample.byLeader.get(bigPid);
      // relations that hold whatever else loads the machine: the spinning one used some CPU,
      // more than the one that sleeps
      assert.ok((busyUse?.cpu ?? 0) > 0, `busy cpu: ${busyUse?.cpu}`);
      assert.ok(
        (bigUse?.cpu ?? 1) < (busyUse?.cpu ?? 0),
        `idle ${bigUse?.cpu}, busy ${busyUse?.cpu}`,
      );
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
      await kill([busy, big], 'SIGKILL');
    }
  });

  it('counts a busy grandchild toward its tree root and nothing toward an idle tree', async () => {
    // busy root: a node process whose child spins (the cell → encoder shape), all in our group
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
      const usage = new ProcessUsage({ select: 'tree' });
      await sleep(500);
      const first = await usage.sample([busyPid, idlePid]);
      assert.equal(first.byLeader.get(busyPid)?.cpu, 0, 'no cpu on the first sample');
      await sleep(1500);
      const { byLeader } = await usage.sample([busyPid, idlePid]);
      // relations that hold whatever else loads the machine: the busy tree used some CPU, more
      // than the idle one
      const busyCpu = byLeader.get(busyPid)?.cpu ?? 0;
      assert.ok(busyCpu > 0, `busy: ${busyCpu}`);
      assert.ok((byLeader.get(idlePid)?.cpu ?? 1) < busyCpu, `idle: ${byLeader.get(idlePid)?.cpu}`);
      // two node processes in the busy tree, one in the idle one
      assert.ok((byLeader.get(busyPid)?.rssBytes ?? 0) > (byLeader.get(idlePid)?.rssBytes ?? 0));
      assert.ok((byLeader.get(idlePid)?.rssBytes ?? 0) > 10_000_000);
    } finally {
      await kill([busy, idle], 'SIGTERM');
    }
  });

  it('reports zeros for a leader that is gone', async () => {
    const usage = new ProcessUsage({ select: 'tree' });
    const gone = 2 ** 22 + 7; // above the default pid_max
    await usage.sample([gone]);
    assert.deepEqual((await usage.sample([gone])).byLeader.get(gone), { cpu: 0, rssBytes: 0 });
  });

  it('reads nothing and reports zeros without leaders', async () => {
    const usage = new ProcessUsage({ select: 'group', procDir: '/nonexistent' });
    const sample = await usage.sample([]);
    assert.deepEqual(sample, { byLeader: new Map(), nodeCpu: 0, nodeRssBytes: 0 });
  });
});
