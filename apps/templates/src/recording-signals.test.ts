import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordingSignals } from './recording-signals.js';

function recorder() {
  const lines: string[] = [];
  return { lines, signals: createRecordingSignals((line) => lines.push(line)) };
}

describe('createRecordingSignals', () => {
  it('logs START_RECORDING once however often it is asked', () => {
    const { lines, signals } = recorder();
    signals.start();
    signals.start();
    assert.deepEqual(lines, ['START_RECORDING']);
    assert.equal(signals.isStarted, true);
  });

  it('logs END_RECORDING once', () => {
    const { lines, signals } = recorder();
    signals.start();
    signals.end();
    signals.end();
    assert.deepEqual(lines, ['START_RECORDING', 'END_RECORDING']);
    assert.equal(signals.isEnded, true);
  });

  it('never starts after the end', () => {
    const { lines, signals } = recorder();
    signals.end();
    signals.start();
    assert.deepEqual(lines, ['END_RECORDING']);
    assert.equal(signals.isStarted, false);
  });
});
