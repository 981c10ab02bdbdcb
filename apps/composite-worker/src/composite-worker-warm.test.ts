import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { meanVolumeDb, probeMedia, TONE_PAGE } from '@egress/media/testing';
import type { EgressRequest } from '@egress/protocol';
import {
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  WebEgressRequest,
} from '@livekit/protocol';
import type { EgressStart } from './composite-worker.js';
import { parseOwnedSinks } from './pulse-sink-reaper.js';
import { enqueue, sendStop, waitForResult, waitForStatus } from './testing/job-driver.js';
import { PULSE_SKIP } from './testing/pulse-skip.js';
import { startPageServer, type TestPageServer } from './testing/start-page-server.js';
import { testEncoding } from './testing/test-encoding.js';
import { testWorkerConfigYaml } from './testing/test-worker-config.js';
import type { TestWorker, WorkerTestEnv } from './testing/worker-test-env.js';
import {
  spawnTestWorkerProcess,
  startTestWorker,
  startWorkerTestEnv,
  testLogger,
} from './testing/worker-test-env.js';

// The warm pool with real Chromium, Xvfb, PulseAudio (PULSE_RUNTIME_PATH from scripts/test),
// GStreamer, Redis and BullMQ: run with
// `bash scripts/test apps/composite-worker/src/composite-worker-warm.test.ts`.
const run = promisify(execFile);
const logger = testLogger('warm-test');
/** Chromium starts slowly on a loaded machine: generous waits, no timing assertions. */
const WAIT_MS = 90_000;
const WARM = { width: 640, height: 360, depth: 24 };
/** `pulse_sink_reap_grace_sec` of the workers here; the reaper checks once per grace. */
const REAP_GRACE_MS = 1000;

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
}

async function listProcs(): Promise<ProcInfo[]> {
  const out: ProcInfo[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (!text) continue;
    const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    out.push({ pid: Number(name), ppid: Number(fields[1]), state: fields[0] ?? '', comm });
  }
  return out;
}

/** Every live process below `root` (its children, theirs, ...). */
async function descendants(root: number): Promise<ProcInfo[]> {
  const procs = await listProcs();
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (below.has(p.ppid) && !below.has(p.pid)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return procs.filter((p) => p.pid !== root && below.has(p.pid) && p.state !== 'Z');
}

/** Whether a process lives (a zombie waiting for its reaper counts as gone). */
async function isAlive(pid: number): Promise<boolean> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return text !== '' && text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}

/** Names of the warm processes' PulseAudio sinks loaded now. */
async function warmSinks(): Promise<string[]> {
  const { stdout } = await run('pactl', ['list', 'short', 'modules']);
  return [...stdout.matchAll(/sink_name=(EGW_\w+)/g)].map((m) => m[1] ?? '');
}

function configYaml(redisUrl: string, outDir: string): string {
  return testWorkerConfigYaml({
    redisUrl,
    outDir,
    extra: `warm_pool_size: 1\npulse_sink_reap_grace_sec: ${REAP_GRACE_MS / 1000}`,
  });
}

let env: WorkerTestEnv;
let pages: TestPageServer;

function webRequest(size: { width: number; height: number }): EgressRequest {
  return {
    case: 'web',
    value: new WebEgressRequest({
      url: `${pages.baseUrl}/page`,
      awaitStartSignal: true,
      options: testEncoding({ ...size, videoBitrate: 1000, audioBitrate: 96 }),
      fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'warm/' })],
    }),
  };
}

before(async () => {
  if (PULSE_SKIP) return;
  env = await startWorkerTestEnv('composite-warm-');
  pages = await startPageServer(() => TONE_PAGE);
});

after(async () => {
  await pages?.close();
  await env?.close();
});

/** A worker process (`test-worker-process`, browser capture) and what runs below it. */
interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<unknown[]>;
  /** Its processes once its warm egress process is ready: that process, Xvfb, Chromium. */
  seen: ProcInfo[];
}

async function startWorkerProcess(name: string): Promise<WorkerProcess> {
  const child = await spawnTestWorkerProcess({
    yaml: configYaml(env.redis.url, join(env.root, `${name}-out`)),
    prefix: `test-${randomUUID()}`,
    tmpRoot: join(env.root, `${name}-tmp`),
    mediaSource: 'web',
    awaitReady: false,
  });
  const worker = { child, pid: child.pid ?? 0, exited: once(child, 'exit'), seen: [] };
  try {
    await waitUntil('a warm egress process runs its Chromium and Xvfb', async () => {
      const seen = await descendants(worker.pid);
      return (
        seen.some((p) => p.comm === 'Xvfb') &&
        seen.filter((p) => p.comm.startsWith('chrom')).length >= 2
      );
    });
    await sleep(2000); // let it report ready: the test then meets a waiting process
    return { ...worker, seen: await descendants(worker.pid) };
  } catch (err) {
    await stopWorkerProcess(worker);
    throw err;
  }
}

/** Kills what a failed test left: the worker and everything below it. */
async function stopWorkerProcess(worker: Pick<WorkerProcess, 'child' | 'pid'>): Promise<void> {
  for (const p of await descendants(worker.pid)) process.kill(p.pid, 'SIGKILL');
  if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
}

describe('a composite worker process with a warm pool', {
  skip: PULSE_SKIP,
  timeout: 240_000,
}, () => {
  it('leaves no egress process, Xvfb or Chromium behind on SIGTERM', async () => {
    const worker = await startWorkerProcess('sigterm');
    try {
      process.kill(worker.pid, 'SIGTERM');
      const [code] = await worker.exited;
      assert.equal(code, 0);
      for (const p of worker.seen) {
        assert.equal(await isAlive(p.pid), false, `${p.comm} (${p.pid}) left after SIGTERM`);
      }
    } finally {
      await stopWorkerProcess(worker);
    }
  });

  it('closes the warm browser and display when its worker is killed', async () => {
    const worker = await startWorkerProcess('sigkill');
    const orphans = worker.seen;
    try {
      process.kill(worker.pid, 'SIGKILL');
      await worker.exited;
      // the warm process sees its IPC channel close and closes what it prepared
      await waitUntil('the warm process, its Xvfb and Chromium are gone', async () => {
        for (const p of orphans) if (await isAlive(p.pid)) return false;
        return true;
      });
    } finally {
      for (const p of orphans) if (await isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    }
  });
});

describe('composite worker with a warm pool', { skip: PULSE_SKIP, timeout: 300_000 }, () => {
  let warm: TestWorker;
  const starts = new Map<string, EgressStart>();

  before(async () => {
    warm = await startTestWorker(env, {
      yaml: configYaml(env.redis.url, join(env.root, 'out')),
      logger,
      mediaSource: 'web',
      tmpName: 'tmp',
      warmDisplay: WARM,
      onEgressActive: (start) => starts.set(start.egressId, start),
    });
  });

  after(async () => {
    await warm?.close();
  });

  /** Waits for one ready warm process and returns its pid. */
  async function readyWarmPid(except?: number): Promise<number> {
    const pids = () => warm.worker.warmProcesses().map((p) => p.pid);
    await waitUntil('a warm egress process is ready', () => pids().some((pid) => pid !== except));
    const pid = pids().find((p) => p !== except);
    assert.ok(pid !== undefined);
    return pid;
  }

  it('records a job in a warm egress process, then starts a new one', async (t) => {
    const warmPid = await readyWarmPid();
    const egressId = await enqueue(warm.queue, webRequest(WARM));
    await waitForStatus(warm.queue, egressId, EgressStatus.EGRESS_ACTIVE);
    assert.equal(warm.worker.pidOf(egressId), warmPid, 'the job did not run in the warm process');
    assert.equal(starts.get(egressId)?.isWarm, true);
    // the pool refills once the egress is ACTIVE, with a new process: a used one never returns
    const nextPid = await readyWarmPid(warmPid);
    assert.notEqual(nextPid, warmPid);
    await sleep(3000);
    await sendStop(env.client, egressId);
    const done = await waitForResult(warm.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    const file = done.fileResults[0];
    const probe = await probeMedia(file?.location ?? '');
    const volume = await meanVolumeDb(file?.location ?? '');
    const resultSec = Number(file?.duration ?? 0n) / 1e9;
    t.diagnostic(
      `ffprobe ${JSON.stringify(probe)}, mean volume ${volume} dB, result ${resultSec}s`,
    );
    assert.equal(probe.video?.codec, 'h264');
    assert.equal(probe.audio?.codec, 'aac');
    assert.equal(probe.video?.width, WARM.width);
    assert.equal(probe.video?.height, WARM.height);
    assert.ok(Math.abs((probe.video?.fps ?? 0) - 30) <= 3, `fps ${probe.video?.fps}`);
    assert.ok(Math.abs(probe.durationSec - resultSec) <= 1, `${probe.durationSec} vs ${resultSec}`);
    assert.ok(volume > -40, `mean volume ${volume} dB: the page's tone was not recorded`);
    assert.equal(await isAlive(warmPid), false, 'the used egress process is still running');
  });

  it('replaces a warm egress process that died and never hands it a job', async () => {
    const deadPid = await readyWarmPid();
    const deadWarmId = warm.worker.warmProcesses().find((p) => p.pid === deadPid)?.warmId ?? '';
    assert.ok((await warmSinks()).includes(deadWarmId), 'the warm process has no sink');
    const deadChildren = await descendants(deadPid);
    process.kill(deadPid, 'SIGKILL');
    await waitUntil('the dead warm process is gone', async () => !(await isAlive(deadPid)));
    // Its leaked sink is reaped after the grace (plus a check interval, and slack for pactl).
    await waitUntil(
      'the dead warm process’s sink is unloaded',
      async () => !(await warmSinks()).includes(deadWarmId),
    );
    const egressId = await enqueue(warm.queue, webRequest(WARM));
    await waitForStatus(warm.queue, egressId, EgressStatus.EGRESS_ACTIVE);
    const livePid = warm.worker.pidOf(egressId);
    assert.notEqual(livePid, deadPid);
    // The running egress's sink outlives several reaper checks.
    await sleep(3 * REAP_GRACE_MS);
    const { stdout } = await run('pactl', ['list', 'short', 'modules']);
    assert.ok(
      parseOwnedSinks(stdout).some((sink) => sink.ownerPid === livePid),
      'the running egress lost its sink',
    );
    await sendStop(env.client, egressId);
    const done = await waitForResult(warm.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    // its Xvfb and Chromium went with it, and the pool has a live one again
    for (const p of deadChildren) {
      assert.equal(await isAlive(p.pid), false, `${p.comm} (${p.pid}) of the dead process left`);
    }
    const replacement = await readyWarmPid();
    assert.ok(await isAlive(replacement));
  });

  it('replaces a warm egress process whose browser died, closing its display and sink', async () => {
    const warmPid = await readyWarmPid();
    const warmId = warm.worker.warmProcesses().find((p) => p.pid === warmPid)?.warmId ?? '';
    const below = await descendants(warmPid);
    const chromium = below.find((p) => p.ppid === warmPid && p.comm.startsWith('chrom'));
    assert.ok(chromium, 'no Chromium below the warm process');
    process.kill(-chromium.pid, 'SIGKILL'); // puppeteer starts it as a process group leader
    await waitUntil('the warm process closed and exited', async () => !(await isAlive(warmPid)));
    for (const p of below) assert.equal(await isAlive(p.pid), false, `${p.comm} left`);
    assert.ok(!(await warmSinks()).includes(warmId), 'its sink was left');
    assert.notEqual(await readyWarmPid(warmPid), warmPid);
  });

  it('runs a job of another size in a new process and records it', async () => {
    await readyWarmPid();
    const size = { width: 320, height: 240 };
    const egressId = await enqueue(warm.queue, webRequest(size));
    await waitForStatus(warm.queue, egressId, EgressStatus.EGRESS_ACTIVE);
    assert.equal(starts.get(egressId)?.isWarm, false);
    await sleep(2000);
    await sendStop(env.client, egressId);
    const done = await waitForResult(warm.queue, egressId);
    assert.equal(done.status, EgressStatus.EGRESS_COMPLETE, done.error);
    const probe = await probeMedia(done.fileResults[0]?.location ?? '');
    assert.equal(probe.video?.codec, 'h264');
    assert.equal(probe.video?.width, size.width);
    assert.equal(probe.video?.height, size.height);
  });

  it('closes its warm processes and their sinks on close', async () => {
    const warmPid = await readyWarmPid();
    const warmIds = warm.worker.warmProcesses().map((p) => p.warmId);
    assert.deepEqual(
      (await warmSinks()).filter((s) => warmIds.includes(s)),
      warmIds,
      'a warm process has its own sink',
    );
    const children = await descendants(warmPid);
    await warm.worker.close();
    assert.equal(await isAlive(warmPid), false);
    for (const p of children) assert.equal(await isAlive(p.pid), false, `${p.comm} left`);
    assert.deepEqual(
      (await warmSinks()).filter((s) => warmIds.includes(s)),
      [],
      'sink left',
    );
  });
});
