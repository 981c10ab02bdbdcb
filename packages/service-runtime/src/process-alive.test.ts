import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { isProcessAlive } from './process-alive.js';

describe('isProcessAlive', () => {
  it('tells a running process from one that exited', async () => {
    assert.equal(await isProcessAlive(process.pid), true);
    const child = spawn('true');
    await once(child, 'exit');
    assert.equal(await isProcessAlive(child.pid ?? 0), false);
  });
});
