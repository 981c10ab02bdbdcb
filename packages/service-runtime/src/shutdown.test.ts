import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { createLogger } from '@egress/protocol';
import { handleShutdown } from './shutdown.js';

const logger = createLogger({ service: 'test', level: 'silent' });

/** A stand-in for `process`: records exit codes instead of exiting. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const proc = Object.assign(emitter, { exit: (code: number) => void exits.push(code) });
  return { proc: proc as unknown as NodeJS.Process, emitter, exits };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('handleShutdown', () => {
  it('closes once on the first signal and exits 0', async () => {
    const { proc, emitter, exits } = fakeProcess();
    let closes = 0;
    handleShutdown({ logger, graceMs: 10_000, proc, close: async () => void closes++ });
    emitter.emit('SIGTERM', 'SIGTERM');
    await tick();
    assert.equal(closes, 1);
    assert.deepEqual(exits, [0]);
  });

  it('exits 1 at once on a second signal while closing', async () => {
    const { proc, emitter, exits } = fakeProcess();
    handleShutdown({ logger, graceMs: 10_000, proc, close: () => new Promise(() => {}) });
    emitter.emit('SIGTERM', 'SIGTERM');
    emitter.emit('SIGINT', 'SIGINT');
    assert.deepEqual(exits, [1]);
  });

  it('exits 1 when close fails', async () => {
    const { proc, emitter, exits } = fakeProcess();
    handleShutdown({
      logger,
      graceMs: 10_000,
      proc,
      close: async () => Promise.reject(new Error('x')),
    });
    emitter.emit('SIGINT', 'SIGINT');
    await tick();
    assert.deepEqual(exits, [1]);
  });

  it('exits 1 when the grace period runs out', async () => {
    const { proc, emitter, exits } = fakeProcess();
    handleShutdown({ logger, graceMs: 5, proc, close: () => new Promise(() => {}) });
    emitter.emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(exits, [1]);
  });

  it('exits 1 on an unhandled rejection', () => {
    const { proc, emitter, exits } = fakeProcess();
    handleShutdown({ logger, graceMs: 10, proc, close: async () => {} });
    emitter.emit('unhandledRejection', new Error('lost'));
    assert.deepEqual(exits, [1]);
  });
});
