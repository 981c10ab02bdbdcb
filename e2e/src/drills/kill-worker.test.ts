import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EgressInfo, EgressStatus } from 'livekit-server-sdk';
import type { EgressStack } from '../demo/egress-stack.js';
import { isEnded, RecordingClock, statusName, waitForEgress } from '../demo/egress-watch.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { stackOutput } from '../test-stack.js';
import {
  appOf,
  childPids,
  isAlive,
  pollUntil,
  recordFor,
  startAudioFileEgress,
  startTrackDrillStack,
} from './drill-support.js';

// Drill: SIGKILL a whole track worker process while it records. The bridge must notice the
// stalled job and end the egress FAILED within 30 s (issue #8), List must show it final, and
// the recording process the dead worker left must not record on for ever.
const ROOM = 'drill-kill-worker';
const REDIS_DB = 21;
const FAILED_WITHIN_MS = 30_000;

describe('drill: SIGKILL a whole worker', { skip: skipWithoutTestNetwork() }, () => {
  let outputDir: string;
  let stack: EgressStack | undefined;
  let egressId = '';
  let cellPids: number[] = [];
  let ended: EgressInfo | undefined;
  let msToFinal = 0;

  before(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'drill-kill-worker-'));
    stack = await startTrackDrillStack({ redisDb: REDIS_DB, outputDir, room: ROOM });
    const worker = appOf(stack, 'track-worker');
    const clock = new RecordingClock();
    egressId = (await startAudioFileEgress(stack, ROOM, 'killed.ogg', clock)).egressId;
    await recordFor(clock, egressId, 2);
    cellPids = await childPids(worker.pid, 'cell-process');
    process.kill(worker.pid, 'SIGKILL');
    await worker.exited;
    const killedAtMs = Date.now();
    // the 30 s of issue #8 is this deadline: past it, waitForEgress throws and every test fails
    ended = await waitForEgress(stack.client, egressId, {
      until: isEnded,
      deadlineMs: FAILED_WITHIN_MS,
    });
    msToFinal = Date.now() - killedAtMs;
  });

  after(async () => {
    const output = stackOutput(stack);
    await stack?.close();
    // The dead worker's cells are no child of ours: end any left so the run stays clean.
    for (const pid of cellPids) if (await isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
    if (!ended && output) process.stderr.write(`${output}\n`);
  });

  it('ends the egress FAILED with a reason within 30 s of the kill', (t) => {
    assert.ok(ended);
    assert.equal(statusName(ended.status), 'EGRESS_FAILED');
    assert.match(ended.error, /worker/);
    t.diagnostic(`final ${msToFinal} ms after the kill`);
  });

  it('lists it final, and no egress as active', async () => {
    assert.ok(stack);
    const [listed] = await stack.client.listEgress({ egressId });
    assert.equal(statusName(listed?.status ?? EgressStatus.EGRESS_ACTIVE), 'EGRESS_FAILED');
    assert.deepEqual(
      (await stack.client.listEgress({ roomName: ROOM, active: true })).map((i) => i.egressId),
      [],
    );
  });

  it('leaves no recording process of the dead worker running', async () => {
    assert.ok(cellPids.length > 0, 'no cell process found under the worker');
    await pollUntil('cell processes of the dead worker exit', 30_000, async () => {
      for (const pid of cellPids) if (await isAlive(pid)) return undefined;
      return true;
    });
  });
});
