import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeMedia } from '@egress/media/testing';
import { createLogger, type EgressRequest } from '@egress/protocol';
import { ProcessUsage } from '@egress/service-runtime';
import { EgressStatus, EncodedFileOutput, EncodedFileType } from '@livekit/protocol';
import { enqueue, sendStop, waitForResult, waitForStatus } from './testing/job-driver.js';
import { testEncoding } from './testing/test-encoding.js';
import { testWebRequest } from './testing/test-web-request.js';
import { testWorkerConfigYaml } from './testing/test-worker-config.js';
import type { TestWorker, TestWorkerOptions, WorkerTestEnv } from './testing/worker-test-env.js';
import { startTestWorker, startWorkerTestEnv, testLogger } from './testing/worker-test-env.js';

// Go's CPU and memory kills with real egress processes (GStreamer test sources), Redis and
// BullMQ; the limits are set low so that one egress trips them.
const logger = testLogger('composite-limits-test');
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

let env: WorkerTestEnv;

before(async () => {
  env = await startWorkerTestEnv('composite-limits-');
});

after(async () => {
  await env?.close();
});

/** A worker on its own queue with `cpuCost` in its config; `close` drains it and removes the queue. */
function startWorker(
  name: string,
  cpuCost: Record<string, number>,
  options: Partial<Pick<TestWorkerOptions, 'cpuTotal' | 'killDeadlineMs' | 'logger'>> = {},
): Promise<TestWorker> {
  return startTestWorker(env, {
    yaml: testWorkerConfigYaml({ redisUrl: env.redis.url, outDir: join(env.root, name), cpuCost }),
    tmpName: `${name}-tmp`,
    ...options,
    logger: options.logger ?? logger,
  });
}

/** SIGKILLs a process (group, for a negative pid) of this test unless it has exited already. */
function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    // ESRCH: it is gone, which is all this wants
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Memory of every process this test can see, as the worker measures it (the most of 5 samples). */
async function nodeRssBytes(): Promise<number> {
  const usage = new ProcessUsage({ select: 'group' });
  let most = 0;
  for (let i = 0; i < 5; i++) {
    most = Math.max(most, (await usage.sample([process.pid])).nodeRssBytes);
    await sleep(200);
  }
  return most;
}

/** A web egress (test sources) to MP4 at `width`x`height` and `fps`. */
function request(name: string, width: number, height: number, fps: number): EgressRequest {
  return testWebRequest({
    options: testEncoding({ width, height, framerate: fps, videoBitrate: 3000 }),
    fileOutputs: [
      new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: `${name}.mp4` }),
    ],
  });
}

describe('composite worker resource kills', () => {
  const memoryCases = [
    {
      name: 'kills the egress with the most memory when the node stays over max_memory',
      killDeadlineMs: undefined,
      // Go's KillEgress ends with EOS: the whole recording is finalized and uploaded
      isWhole: true,
    },
    {
      name: 'uploads the crash-safe file of a killed egress that does not end in time',
      killDeadlineMs: 0,
      isWhole: false,
    },
  ];
  for (const c of memoryCases) {
    it(c.name, { timeout: 180_000 }, async () => {
      // the node's memory with a worker loaded in this process, plus a margin that an egress
      // process (node and GStreamer: over 200 MiB) fills and this process's swings do not
      await (await startWorker('warm-up', {})).close();
      const baseline = await nodeRssBytes();
      const maxMemoryGb = (baseline + 150 * MIB) / GIB;
      const worker = await startWorker(
        'memory',
        { max_memory: Number(maxMemoryGb.toFixed(4)), memory_kill_grace_sec: 10 },
        c.killDeadlineMs === undefined ? {} : { killDeadlineMs: c.killDeadlineMs },
      );
      try {
        const idleBytes = await nodeRssBytes();
        logger.info({ baseline, idleBytes, maxMemoryGb }, 'memory before the egress');
        assert.ok(idleBytes < maxMemoryGb * GIB, `over the limit before the egress: ${idleBytes}`);
        const egressId = await enqueue(worker.queue, request('memory', 320, 240, 30));
        const active = await waitForStatus(worker.queue, egressId, EgressStatus.EGRESS_ACTIVE);
        assert.equal(active.error, '');
        const done = await waitForResult(worker.queue, egressId);
        logger.info({ baseline, maxMemoryGb, error: done.error }, 'memory kill');
        assert.equal(done.status, EgressStatus.EGRESS_FAILED);
        assert.match(done.error, /^OOM: \d+\.\d\d GB used$/);
        const usedGb = Number(/^OOM: ([\d.]+)/.exec(done.error)?.[1]);
        assert.ok(usedGb > maxMemoryGb - 0.01, `${usedGb} GB reported, limit ${maxMemoryGb}`);
        assert.equal(done.errorCode, 403);
        assert.equal(done.details, 'End reason: Process killed');
        const file = done.fileResults[0];
        assert.ok(file?.location, 'file uploaded');
        const probe = await probeMedia(file.location);
        assert.equal(probe.video?.codec, 'h264');
        assert.ok(probe.durationSec >= 1, `duration ${probe.durationSec}`);
        if (c.isWhole) {
          const resultSec = Number(file.duration) / 1e9;
          assert.ok(
            Math.abs(probe.durationSec - resultSec) <= 1,
            `${probe.durationSec} vs ${resultSec}`,
          );
        }
      } finally {
        await worker.close();
      }
    });
  }

  it('stops the egress that overloads the cpu, then kills it when it has not ended within the grace, while another runs on', {
    timeout: 240_000,
  }, async () => {
    // the worker's warnings, to see the graceful stop come before the kill
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const watched = createLogger({ service: 'composite-limits-test', level: 'warn', destination });
    // a quarter core for the whole node: two live encoders keep it over 95 % for good
    const cheap = { web_cpu_cost: 0.01, audio_web_cpu_cost: 0.01, cpu_kill_grace_sec: 1 };
    const worker = await startWorker('cpu', cheap, {
      cpuTotal: 0.25,
      killDeadlineMs: 0,
      logger: watched,
    });
    try {
      // the light one first: admission measures it small, so the hungry one still fits (Go
      // admits by measured use too); the load stays high once both run
      const light = await enqueue(worker.queue, request('light', 160, 120, 15), { cpuCost: 0.01 });
      await waitForStatus(worker.queue, light, EgressStatus.EGRESS_ACTIVE);
      const hungry = await enqueue(worker.queue, request('hungry', 1280, 720, 60), {
        cpuCost: 0.01,
      });
      await waitForStatus(worker.queue, hungry, EgressStatus.EGRESS_ACTIVE);
      // An egress that does not end within the grace: its process is stopped (SIGSTOP) and
      // cannot act on the graceful stop, while its GStreamer child (same process group, counted
      // as its use) records on. Left running, the stop would often finish first and no kill come.
      const stoppedPid = worker.worker.pidOf(hungry);
      assert.ok(stoppedPid, 'no process for the hungry egress');
      process.kill(stoppedPid, 'SIGSTOP');
      const done = await waitForResult(worker.queue, hungry);
      logger.info({ status: done.status, error: done.error }, 'cpu kill');
      assert.equal(done.status, EgressStatus.EGRESS_FAILED, done.error);
      assert.match(done.error, /^CPU exhausted: \d+\.\d\d cores used$/);
      assert.equal(done.errorCode, 403);
      // the process never saw the stop, so the end reason is the kill's
      assert.equal(done.details, 'End reason: Process killed');
      const actions = lines
        .map((line) => JSON.parse(line) as { egressId?: string; msg?: string })
        .filter((line) => line.egressId === hungry)
        .map((line) => line.msg);
      assert.deepEqual(actions, ['cpu exhausted: stopping egress', 'killing egress']);
      // the crash-safe file, uploaded by the worker
      const probe = await probeMedia(done.fileResults[0]?.location ?? '');
      assert.equal(probe.video?.codec, 'h264');
      assert.ok(probe.durationSec >= 1, `duration ${probe.durationSec}`);

      // the light egress is left alone
      await sleep(1000);
      await sendStop(env.client, light);
      const lightDone = await waitForResult(worker.queue, light);
      assert.equal(lightDone.status, EgressStatus.EGRESS_COMPLETE, lightDone.error);
    } finally {
      // after a failed check: an egress still running (stopped or not) would hold the drain
      for (const id of worker.worker.activeEgressIds()) {
        for (const pgid of worker.worker.processGroupsOf(id)) killIfAlive(-pgid);
      }
      await worker.close();
    }
  });
});
