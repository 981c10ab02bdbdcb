import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessGroupCpu } from './process-group-cpu.js';

describe('ProcessGroupCpu', () => {
  it('measures the cpu a busy process group uses and nothing for an idle one', async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], {
      detached: true,
      stdio: 'ignore',
    });
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      detached: true,
      stdio: 'ignore',
    });
    try {
      const busyPid = busy.pid ?? 0;
      const idlePid = idle.pid ?? 0;
      const cpu = new ProcessGroupCpu();
      await cpu.sample([busyPid, idlePid]);
      await sleep(1500);
      const usage = await cpu.sample([busyPid, idlePid]);
      // a spinning process gets a good share of a core even on a busy shared machine
      assert.ok((usage.get(busyPid) ?? 0) > 0.1, `busy: ${usage.get(busyPid)}`);
      assert.ok((usage.get(idlePid) ?? 1) < 0.05, `idle: ${usage.get(idlePid)}`);
    } finally {
      for (const child of [busy, idle]) {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
