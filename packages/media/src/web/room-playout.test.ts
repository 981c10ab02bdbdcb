import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOM_PLAYOUT_SCRIPT } from './room-playout.js';

// What it does in a page is measured end to end: e2e/src/room-composite-av.test.ts.
describe('ROOM_PLAYOUT_SCRIPT', () => {
  it('compiles as a script', () => {
    // Compiling does not run it (it needs a browser's window); a syntax error throws here.
    assert.equal(typeof new Function(ROOM_PLAYOUT_SCRIPT), 'function');
  });

  it('does nothing where there is no WebRTC', () => {
    const window: Record<string, unknown> = {};
    new Function('window', ROOM_PLAYOUT_SCRIPT)(window);
    assert.deepEqual(window, {});
  });
});
