import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ThreadUsage } from './thread-usage.js';

describe('ThreadUsage', () => {
  it("charges a busy child's main thread, found below its parent, with its CPU", async () => {
    // a shell whose child node spins for 2 s: the busy thread is a descendant, not the root
    const shell = spawn('sh', [
      '-c',
      `"${process.execPath}" -e "const t=Date.now(); while (Date.now()-t<2000);"; true`,
    ]);
    try {
      await sleep(300);
      const usage = new ThreadUsage([shell.pid ?? 0]);
      await usage.start();
      await sleep(800);
      const threads = await usage.stop();
      // relations, not a share of a core (that depends on what else runs): the spinning main
      // thread was charged CPU, more than any other thread of the tree
      const [busiest, next] = threads;
      assert.equal(busiest?.name, 'node main', JSON.stringify(threads));
      assert.ok(busiest.cores > 0, JSON.stringify(threads));
      assert.ok(busiest.cores > (next?.cores ?? 0), JSON.stringify(threads));
    } finally {
      // the child ends its spin by itself; the shell exits after it
      if (shell.exitCode === null) await once(shell, 'exit');
    }
  });
});
