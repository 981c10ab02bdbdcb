import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loaderExecArgv } from './loader-exec-argv.js';

describe('loaderExecArgv', () => {
  it('keeps loader flags in both forms and drops the rest', () => {
    const argv = [
      '--import',
      'tsx',
      '--test',
      '--require=./hook.cjs',
      '--inspect=9229',
      '-r',
      'dotenv/config',
      '--experimental-loader=./l.mjs',
    ];
    assert.deepEqual(loaderExecArgv(argv), [
      '--import',
      'tsx',
      '--require=./hook.cjs',
      '-r',
      'dotenv/config',
      '--experimental-loader=./l.mjs',
    ]);
  });

  it('reads this process by default', () => {
    // this test runs under `node --import tsx`
    assert.ok(loaderExecArgv().some((arg) => arg.includes('tsx')));
  });
});
