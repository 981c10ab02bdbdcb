import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, loadConfig } from '@egress/protocol';
import { WarmPool, type WarmPoolOptions } from './warm-pool.js';

// The pool's bookkeeping with small stand-in egress processes (no browser): they answer
// `prepare` with `ready`, or die, as told by FAKE_MODE. The real egress process is tested in
// composite-worker-warm.test.ts.
const logger = createLogger({
  service: 'warm-pool-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});
const config = loadConfig({}, { onWarning: () => undefined });
const HD = { width: 1280, height: 720, depth: 24 };
const SMALL = { width: 640, height: 360, depth: 24 };

const FAKE_PROCESS = `
process.on('message', (m) => {
  if (m.type !== 'prepare') return;
  if (process.env.FAKE_MODE === 'die') process.exit(1);
  if (process.env.FAKE_MODE === 'ready') process.send({ type: 'ready', pgids: [] });
});
process.on('SIGTERM', () => process.exit(0));
`;

let dir: string;
let script: string;
const forked: ChildProcess[] = [];
const pools: WarmPool[] = [];

function fakeFork(mode: 'ready' | 'die' | 'silent', log?: number[]): () => ChildProcess {
  return () => {
    log?.push(performance.now());
    const child = fork(script, [], {
      detached: true,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, FAKE_MODE: mode },
    });
    forked.push(child);
    return child;
  };
}

function newPool(options: Partial<WarmPoolOptions> & Pick<WarmPoolOptions, 'fork'>): WarmPool {
  const pool = new WarmPool({ size: 1, display: HD, prepare: { config }, logger, ...options });
  pools.push(pool);
  return pool;
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

describe('WarmPool', { timeout: 60_000 }, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warm-pool-'));
    script = join(dir, 'fake-egress-process.cjs');
    await writeFile(script, FAKE_PROCESS);
  });
  // A pool left open keeps forking (retries) and would mix its processes into the next test's.
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });
  after(async () => {
    for (const child of forked) if (!hasExited(child)) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('hands out a ready process whose display fits, once', async () => {
    const pool = newPool({ fork: fakeFork('ready') });
    pool.refill();
    await until('one is ready', () => pool.ready().length === 1);
    const taken = pool.take(HD);
    assert.ok(taken);
    assert.deepEqual(taken.display, HD);
    assert.equal(pool.take(HD), undefined, 'a taken process was handed out twice');
    assert.deepEqual(pool.processGroups(), []);
    taken.child.kill('SIGTERM');
  });

  it('fits any display to an egress that records no video', async () => {
    const pool = newPool({ fork: fakeFork('ready') });
    pool.refill();
    await until('one is ready', () => pool.ready().length === 1);
    const taken = pool.take(undefined);
    assert.ok(taken);
    taken.child.kill('SIGTERM');
  });

  it('hands out no process before it is ready', async () => {
    const pool = newPool({ fork: fakeFork('silent') });
    pool.refill();
    assert.equal(pool.processGroups().length, 1);
    assert.equal(pool.take(HD), undefined);
  });

  it('moves to the size a job asked for, retiring processes of the old size', async () => {
    const pool = newPool({ fork: fakeFork('ready') });
    pool.refill();
    await until('one is ready', () => pool.ready().length === 1);
    const old = forked.at(-1);
    assert.equal(pool.take(SMALL), undefined);
    assert.deepEqual(pool.ready(), []);
    await until('the old-size process is gone', () => old !== undefined && hasExited(old));
    pool.refill();
    await until('one of the new size is ready', () => pool.ready().length === 1);
    const taken = pool.take(SMALL);
    assert.deepEqual(taken?.display, SMALL);
    taken?.child.kill('SIGTERM');
  });

  it('replaces processes that die, waiting twice as long after each death in a row', async () => {
    const forkTimes: number[] = [];
    const retryDelayMs = 100;
    const pool = newPool({ fork: fakeFork('die', forkTimes), retryDelayMs });
    pool.refill();
    await until('four replacements', () => forkTimes.length >= 5);
    await pool.close();
    // lower bounds only: a timer never fires early, however loaded the machine is
    for (let i = 1; i < 5; i++) {
      const gap = (forkTimes[i] ?? 0) - (forkTimes[i - 1] ?? 0);
      assert.ok(gap >= retryDelayMs * 2 ** (i - 1) - 5, `gap ${i} was ${gap} ms`);
    }
  });

  it('kills a process that is not ready in time and starts another', async () => {
    const forkTimes: number[] = [];
    const pool = newPool({
      fork: fakeFork('silent', forkTimes),
      readyTimeoutMs: 200,
      retryDelayMs: 50,
    });
    pool.refill();
    const first = forked.at(-1);
    await until('a second process is started', () => forkTimes.length >= 2);
    assert.ok(first && hasExited(first), 'the process that was not ready still runs');
  });

  it('closes its processes and starts none after close', async () => {
    const pool = newPool({ fork: fakeFork('ready'), size: 2 });
    pool.refill();
    await until('two are ready', () => pool.ready().length === 2);
    const children = forked.slice(-2);
    await pool.close();
    assert.ok(children.every(hasExited));
    const count = forked.length;
    pool.refill();
    assert.equal(forked.length, count);
    assert.equal(pool.take(HD), undefined);
  });
});
