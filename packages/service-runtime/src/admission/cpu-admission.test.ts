import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CpuAdmission } from './cpu-admission.js';

interface Case {
  name: string;
  input: {
    running: { id: string; cost: number; ageMs: number; measured: number }[];
    cost: number;
  };
  want: { available: number; canAdmit: boolean };
}

const NOW = 1_000_000;

const cases: Case[] = [
  {
    name: 'offers every core while idle, even above the utilization cap',
    input: { running: [], cost: 4 },
    want: { available: 8, canAdmit: true },
  },
  {
    name: 'counts a new egress at its cost while measurement is still low',
    input: { running: [{ id: 'a', cost: 4, ageMs: 1000, measured: 0.5 }], cost: 2 },
    want: { available: 2.4, canAdmit: true },
  },
  {
    name: 'counts a new egress at its measured use when that is higher than its cost',
    input: { running: [{ id: 'a', cost: 1, ageMs: 1000, measured: 3 }], cost: 4 },
    want: { available: 3.4, canAdmit: false },
  },
  {
    name: 'counts only measured use once the pending window is over',
    input: { running: [{ id: 'a', cost: 4, ageMs: 20_000, measured: 0.4 }], cost: 4 },
    want: { available: 6, canAdmit: true },
  },
  {
    name: 'admits a request that fits exactly',
    input: {
      running: [
        { id: 'a', cost: 2, ageMs: 0, measured: 0 },
        { id: 'b', cost: 2.4, ageMs: 0, measured: 0 },
      ],
      cost: 2,
    },
    want: { available: 2, canAdmit: true },
  },
  {
    name: 'refuses a request when running egresses fill the machine',
    input: {
      running: [
        { id: 'a', cost: 4, ageMs: 0, measured: 0 },
        { id: 'b', cost: 4, ageMs: 0, measured: 0 },
      ],
      cost: 1,
    },
    want: { available: -1.6, canAdmit: false },
  },
];

describe('CpuAdmission', () => {
  for (const c of cases) {
    it(c.name, () => {
      const admission = new CpuAdmission({ cpuTotal: 8, maxCpuUtilization: 0.8 });
      for (const r of c.input.running) {
        admission.reserve(r.id, r.cost, NOW - r.ageMs);
        admission.measure(r.id, r.measured);
      }
      assert.ok(Math.abs(admission.available(NOW) - c.want.available) < 1e-9);
      assert.equal(admission.canAdmit(c.input.cost, NOW), c.want.canAdmit);
    });
  }

  it('frees the cores of a released egress', () => {
    const admission = new CpuAdmission({ cpuTotal: 2, maxCpuUtilization: 0.8 });
    admission.reserve('a', 1.6, NOW);
    assert.equal(admission.canAdmit(1, NOW), false);
    admission.release('a');
    assert.deepEqual(admission.activeIds, []);
    assert.equal(admission.canAdmit(1, NOW), true);
  });

  it('takes what warm processes use off the available cores, idle or not', () => {
    const admission = new CpuAdmission({ cpuTotal: 8, maxCpuUtilization: 0.8 });
    admission.measureIdle(0.5);
    assert.equal(admission.available(NOW), 7.5);
    admission.reserve('a', 2, NOW);
    assert.ok(Math.abs(admission.available(NOW) - 3.9) < 1e-9);
  });

  it('rejects a utilization outside (0, 1]', () => {
    assert.throws(
      () => new CpuAdmission({ cpuTotal: 2, maxCpuUtilization: 1.5 }),
      /maxCpuUtilization/,
    );
  });
});
