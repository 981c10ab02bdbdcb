import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EgressInfo, EgressStatus } from '@livekit/protocol';
import { EgressError } from '../errors.js';
import {
  affinityFor,
  encodeWorkerCapacity,
  encodeWorkerStatus,
  parseWorkerCapacity,
  parseWorkerStatus,
  type WorkerCapacity,
} from './worker-messages.js';

const NOW = 1_700_000_000_000;

function worker(
  cpuAvailable: number,
  active: string[] = [],
  extra: Partial<WorkerCapacity> = {},
): WorkerCapacity {
  return {
    version: 1,
    workerId: `w-${cpuAvailable}-${active.length}`,
    pool: 'composite',
    cpuTotal: 8,
    cpuAvailable,
    activeEgressIds: active,
    updatedAtMs: NOW - 1000,
    ...extra,
  };
}

describe('worker status', () => {
  it('round-trips an EgressInfo through job progress JSON', () => {
    const info = new EgressInfo({
      egressId: 'EG_s',
      status: EgressStatus.EGRESS_ACTIVE,
      startedAt: 1_700_000_000_000_000_000n,
    });
    const progress = JSON.parse(JSON.stringify(encodeWorkerStatus(info)));
    assert.equal(progress.version, 1);
    assert.ok(parseWorkerStatus(progress).equals(info));
  });

  it('rejects a status of another version', () => {
    assert.throws(
      () => parseWorkerStatus({ version: 2, info: {} }),
      (err) => err instanceof EgressError && err.message.includes('version 2'),
    );
  });
});

describe('worker capacity', () => {
  it('round-trips through its stored JSON', () => {
    const capacity = worker(3.5, ['EG_a'], { canAccept: { web: false } });
    const { version: _version, ...input } = capacity;
    assert.deepEqual(parseWorkerCapacity(encodeWorkerCapacity(input)), capacity);
  });

  it('rejects an unknown pool', () => {
    assert.throws(
      () => parseWorkerCapacity({ ...worker(1), pool: 'gpu' }),
      (err) => err instanceof EgressError && err.message.includes('pool'),
    );
  });
});

describe('affinityFor', () => {
  const cases: {
    name: string;
    input: { cost: number; workers: WorkerCapacity[]; disabled?: boolean };
    want: number;
  }[] = [
    { name: 'answers -1 without any worker', input: { cost: 1, workers: [] }, want: -1 },
    {
      name: 'answers 0.5 when an idle worker fits',
      input: { cost: 4, workers: [worker(8)] },
      want: 0.5,
    },
    {
      name: 'answers 1 when a busy worker fits',
      input: { cost: 0.5, workers: [worker(8), worker(2, ['EG_a'])] },
      want: 1,
    },
    {
      name: 'accepts a cost equal to what is available',
      input: { cost: 2, workers: [worker(2, ['EG_a'])] },
      want: 1,
    },
    {
      name: 'answers 0.5 when only the idle worker has room for the cost',
      input: { cost: 4, workers: [worker(8), worker(2, ['EG_a'])] },
      want: 0.5,
    },
    {
      name: 'answers -1 when no worker has room',
      input: { cost: 4, workers: [worker(3.9), worker(-1, ['EG_a'])] },
      want: -1,
    },
    {
      name: 'ignores a report older than five seconds',
      input: { cost: 1, workers: [worker(8, [], { updatedAtMs: NOW - 6000 })] },
      want: -1,
    },
    {
      name: 'ignores a worker that refuses the request type',
      input: { cost: 1, workers: [worker(8, ['EG_a'], { canAccept: { web: false } }), worker(8)] },
      want: 0.5,
    },
    {
      name: 'answers -1 while the bridge drains',
      input: { cost: 1, workers: [worker(8)], disabled: true },
      want: -1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(
        affinityFor(c.input.cost, c.input.workers, {
          nowMs: NOW,
          requestType: 'web',
          isDisabled: c.input.disabled ?? false,
        }),
        c.want,
      );
    });
  }
});
