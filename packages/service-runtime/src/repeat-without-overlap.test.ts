import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { repeatWithoutOverlap } from './repeat-without-overlap.js';

describe('repeatWithoutOverlap', () => {
  it('skips ticks while a run is pending, reports rejections, and stops', async () => {
    let started = 0;
    let release: () => void = () => {};
    const errors: unknown[] = [];
    const stop = repeatWithoutOverlap(
      () => {
        started++;
        if (started === 2) return Promise.reject(new Error('boom'));
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      5,
      (err) => errors.push(err),
    );
    try {
      while (started === 0) await sleep(5);
      await sleep(50); // many ticks pass while the first run is pending
      assert.equal(started, 1);
      release();
      while (errors.length === 0) await sleep(5);
      assert.match(String(errors[0]), /boom/);
    } finally {
      stop();
    }
    const stoppedAt = started;
    release();
    await sleep(50);
    assert.equal(started, stoppedAt);
  });
});
