import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loaderExecArgv } from '@egress/service-runtime';
import { CELL_GC_FLAGS, YOUNG_GC_BYTES } from './young-gc.js';

const probe = fileURLToPath(new URL('../testing/young-gc-probe.ts', import.meta.url));

interface GcCounts {
  minor: number;
  major: number;
  bytes: number;
}

async function runProbe(flags: string[], mode: 'nudge' | 'alone'): Promise<GcCounts> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...loaderExecArgv(), ...flags, probe, mode],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as GcCounts;
}

describe('noteFrameBytes', () => {
  it('frees copied frames with a minor GC per 16 MB instead of full mark-compacts', async () => {
    const nudged = await runProbe(CELL_GC_FLAGS, 'nudge');
    const alone = await runProbe(CELL_GC_FLAGS, 'alone');
    // Why the module exists: left alone, V8 never scavenges rtc-node's frame copies and frees
    // them with full GCs at its external memory limit.
    assert.equal(alone.minor, 0, `left alone: ${JSON.stringify(alone)}`);
    assert.ok(alone.major >= 2, `left alone: ${JSON.stringify(alone)}`);
    const expected = Math.floor(nudged.bytes / YOUNG_GC_BYTES);
    assert.ok(nudged.minor >= expected * 0.8, `nudged: ${JSON.stringify(nudged)}, ${expected} due`);
    assert.ok(
      nudged.major < alone.major,
      `nudged ${nudged.major} vs alone ${alone.major} full GCs`,
    );
  });

  it('leaves V8 alone without --expose-gc', async () => {
    const counts = await runProbe([], 'nudge');
    assert.equal(counts.minor, 0, JSON.stringify(counts));
  });
});
