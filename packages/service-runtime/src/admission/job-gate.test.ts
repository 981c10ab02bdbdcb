import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createEgressInfo,
  createLogger,
  decodeJobInfo,
  encodeJobPayload,
  type JobPayload,
  parseWorkerCapacity,
  parseWorkerStatus,
} from '@egress/protocol';
import { EgressStatus, RoomCompositeEgressRequest } from '@livekit/protocol';
import { CpuAdmission } from './cpu-admission.js';
import {
  type GatedJob,
  type GatedWorker,
  JOB_DEADLINE_MESSAGE,
  JOB_STALLED_MESSAGE,
  JobGate,
} from './job-gate.js';

const logger = createLogger({ service: 'test', level: 'silent' });

function payloadOf(
  egressId: string,
  cpuCost: number,
  startDeadlineMs = Date.now() + 60_000,
): JobPayload {
  const request = {
    case: 'roomComposite' as const,
    value: new RoomCompositeEgressRequest({ roomName: 'room' }),
  };
  const info = createEgressInfo({ egressId, request, nowMs: Date.now() });
  return encodeJobPayload({ request, info, wsUrl: '', cpuCost, startDeadlineMs });
}

/** Records what the gate does to the worker and the job. */
function setup(cpuTotal = 4, concurrency?: () => number) {
  const calls: string[] = [];
  const worker: GatedWorker = {
    concurrency: 1,
    pause: async () => void calls.push('pause'),
    resume: async () => void calls.push('resume'),
  };
  const admission = new CpuAdmission({ cpuTotal, maxCpuUtilization: 1 });
  const gate = new JobGate({
    admission,
    minCost: 1,
    worker,
    logger,
    ...(concurrency ? { concurrency } : {}),
  });
  const jobOf = (stalledCounter = 0): GatedJob => ({
    stalledCounter,
    moveToWait: async (token) => void calls.push(`moveToWait:${token}`),
  });
  return { calls, worker, admission, gate, jobOf };
}

describe('JobGate', () => {
  it('fails a job whose earlier worker died, without reserving it', async () => {
    const { gate, admission, jobOf } = setup();
    const payload = payloadOf('EG_stalled', 1);
    const verdict = await gate.admit(jobOf(1), 't', payload, decodeJobInfo(payload));
    assert.equal(verdict.action, 'answer');
    const info = parseWorkerStatus(verdict.action === 'answer' ? verdict.result : undefined);
    assert.equal(info.status, EgressStatus.EGRESS_FAILED);
    assert.equal(info.error, JOB_STALLED_MESSAGE);
    assert.deepEqual(admission.activeIds, []);
  });

  it('aborts a job past its start deadline', async () => {
    const { gate, jobOf } = setup();
    const payload = payloadOf('EG_late', 1, Date.now() - 1);
    const verdict = await gate.admit(jobOf(), 't', payload, decodeJobInfo(payload));
    const info = parseWorkerStatus(verdict.action === 'answer' ? verdict.result : undefined);
    assert.equal(info.status, EgressStatus.EGRESS_ABORTED);
    assert.equal(info.error, JOB_DEADLINE_MESSAGE);
  });

  it('reserves a job that fits and sends one that does not back, pausing until it fits', async () => {
    const { gate, admission, calls, jobOf } = setup(4);
    const first = payloadOf('EG_first', 3);
    assert.deepEqual(await gate.admit(jobOf(), 't1', first, decodeJobInfo(first)), {
      action: 'run',
    });
    assert.deepEqual(admission.activeIds, ['EG_first']);
    const second = payloadOf('EG_second', 2);
    assert.deepEqual(await gate.admit(jobOf(), 't2', second, decodeJobInfo(second)), {
      action: 'wait',
    });
    assert.deepEqual(calls, ['pause', 'moveToWait:t2']);
    gate.update(); // still blocked: no second pause
    assert.deepEqual(calls, ['pause', 'moveToWait:t2']);
    gate.release('EG_first');
    assert.deepEqual(calls, ['pause', 'moveToWait:t2', 'resume']);
    assert.deepEqual(admission.activeIds, []);
  });

  it('sets the concurrency it is given at each update', () => {
    let running = 2;
    const { gate, worker } = setup(4, () => running + 1);
    gate.update();
    assert.equal(worker.concurrency, 3);
    running = 0;
    gate.update();
    assert.equal(worker.concurrency, 1);
  });

  it('reports capacity, refusing every request type once draining, and stops gating', () => {
    const { gate, calls, worker } = setup(4, () => 7);
    const open = parseWorkerCapacity(gate.capacity({ workerId: 'w1', pool: 'composite' }));
    assert.equal(open.cpuAvailable, 4);
    assert.equal(open.canAccept, undefined);
    gate.drain();
    assert.equal(gate.isDraining, true);
    const drained = parseWorkerCapacity(
      gate.capacity({ workerId: 'w1', pool: 'composite', activeEgressIds: ['EG_a'] }),
    );
    assert.equal(drained.canAccept?.['room-composite'], false);
    assert.equal(drained.canAccept?.track, false);
    assert.deepEqual(drained.activeEgressIds, ['EG_a']);
    gate.update();
    assert.equal(worker.concurrency, 1);
    assert.deepEqual(calls, []);
  });
});
