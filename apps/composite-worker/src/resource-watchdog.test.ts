import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ResourceWatchdog,
  type ResourceWatchdogOptions,
  type WatchdogAction,
  type WatchdogEgress,
} from './resource-watchdog.js';

const GIB = 1024 ** 3;
const OPTIONS: ResourceWatchdogOptions = {
  cpuTotal: 4,
  maxCpuUtilization: 0.8,
  maxMemoryGb: 0,
  memoryKillGraceMs: 0,
  cpuKillGraceMs: 30_000,
};
const HUNGRY: WatchdogEgress = { egressId: 'EG_hungry', cpu: 3, allowedCpu: 2, memoryBytes: GIB };
const LIGHT: WatchdogEgress = {
  egressId: 'EG_light',
  cpu: 0.5,
  allowedCpu: 1,
  memoryBytes: 2 * GIB,
};

/** One tick a second from 0: each entry is the node's cores and the running egresses. */
type Tick = { nodeCpu: number; nodeMemoryGb?: number; egresses?: WatchdogEgress[] };

function run(options: Partial<ResourceWatchdogOptions>, ticks: Tick[]): [number, WatchdogAction][] {
  const watchdog = new ResourceWatchdog({ ...OPTIONS, ...options });
  const out: [number, WatchdogAction][] = [];
  ticks.forEach((tick, i) => {
    for (const action of watchdog.check({
      nowMs: i * 1000,
      nodeCpu: tick.nodeCpu,
      nodeMemoryBytes: (tick.nodeMemoryGb ?? 0) * GIB,
      egresses: tick.egresses ?? [HUNGRY, LIGHT],
    })) {
      out.push([i, action]);
    }
  });
  return out;
}

function repeat(tick: Tick, count: number): Tick[] {
  return Array.from({ length: count }, () => tick);
}

/** Actions as `[tick, kind, egressId, message]` for short comparisons. */
function brief(actions: [number, WatchdogAction][]): [number, string, string, string][] {
  return actions.map(([i, a]) => [
    i,
    a.kind,
    a.egressId,
    a.kind === 'kill' ? `${a.error.code}: ${a.error.message}` : String(a.cpu),
  ]);
}

describe('ResourceWatchdog', () => {
  const cases: {
    name: string;
    options?: Partial<ResourceWatchdogOptions>;
    ticks: Tick[];
    want: [number, string, string, string][];
  }[] = [
    {
      name: 'stops the worst offender after 10 high ticks, kills it after the grace',
      ticks: repeat({ nodeCpu: 3.9 }, 41),
      want: [
        [9, 'stop', 'EG_hungry', '3'],
        [39, 'kill', 'EG_hungry', 'permission_denied: CPU exhausted: 3.00 cores used'],
      ],
    },
    {
      name: 'does nothing at or under 95 % load',
      ticks: repeat({ nodeCpu: 3.8 }, 60),
      want: [],
    },
    {
      name: 'never kills for cpu with a single egress',
      ticks: repeat({ nodeCpu: 4, egresses: [HUNGRY] }, 60),
      want: [],
    },
    {
      name: 'stops nobody when no egress uses more than its cost',
      ticks: repeat({ nodeCpu: 4, egresses: [LIGHT, { ...LIGHT, egressId: 'EG_b' }] }, 30),
      want: [],
    },
    {
      name: 'keeps counting through fewer than 5 low ticks',
      ticks: [
        ...repeat({ nodeCpu: 4 }, 5),
        ...repeat({ nodeCpu: 1 }, 4),
        ...repeat({ nodeCpu: 4 }, 5),
      ],
      want: [[13, 'stop', 'EG_hungry', '3']],
    },
    {
      name: 'starts counting again after 5 low ticks',
      ticks: [
        ...repeat({ nodeCpu: 4 }, 9),
        ...repeat({ nodeCpu: 1 }, 5),
        ...repeat({ nodeCpu: 4 }, 9),
      ],
      want: [],
    },
    {
      name: 'does not kill when the load falls during the grace',
      options: { cpuKillGraceMs: 5000 },
      ticks: [...repeat({ nodeCpu: 4 }, 10), ...repeat({ nodeCpu: 1 }, 20)],
      want: [[9, 'stop', 'EG_hungry', '3']],
    },
    {
      name: 'lifts the threshold to (1 + max_cpu_utilization) / 2 above 0.95',
      options: { maxCpuUtilization: 0.99 },
      ticks: [...repeat({ nodeCpu: 3.9 }, 20), ...repeat({ nodeCpu: 3.99 }, 10)],
      want: [[29, 'stop', 'EG_hungry', '3']],
    },
    {
      name: 'kills the largest egress once memory stays over max_memory for the grace',
      options: { maxMemoryGb: 4, memoryKillGraceMs: 3000 },
      ticks: [{ nodeCpu: 0, nodeMemoryGb: 5 }, ...repeat({ nodeCpu: 0, nodeMemoryGb: 4.5 }, 4)],
      want: [[3, 'kill', 'EG_light', 'permission_denied: OOM: 4.50 GB used']],
    },
    {
      name: 'kills for memory at once without a grace, even a single egress',
      options: { maxMemoryGb: 1 },
      ticks: [{ nodeCpu: 0, nodeMemoryGb: 1.25, egresses: [HUNGRY] }],
      want: [[0, 'kill', 'EG_hungry', 'permission_denied: OOM: 1.25 GB used']],
    },
    {
      name: 'restarts the memory grace when memory falls under the limit',
      options: { maxMemoryGb: 4, memoryKillGraceMs: 2000 },
      ticks: [
        ...repeat({ nodeCpu: 0, nodeMemoryGb: 5 }, 2),
        { nodeCpu: 0, nodeMemoryGb: 3 },
        ...repeat({ nodeCpu: 0, nodeMemoryGb: 5 }, 2),
      ],
      want: [],
    },
    {
      name: 'never kills for memory without max_memory',
      ticks: repeat({ nodeCpu: 0, nodeMemoryGb: 100 }, 5),
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(brief(run(c.options ?? {}, c.ticks)), c.want);
    });
  }

  it('forgets a stopped egress that ended: no kill follows', () => {
    const watchdog = new ResourceWatchdog({ ...OPTIONS, cpuKillGraceMs: 1000 });
    const sample = (nowMs: number) => ({
      nowMs,
      nodeCpu: 4,
      nodeMemoryBytes: 0,
      egresses: [HUNGRY, LIGHT],
    });
    for (let i = 0; i < 9; i++) assert.deepEqual(watchdog.check(sample(i * 1000)), []);
    assert.equal(watchdog.check(sample(9000))[0]?.kind, 'stop');
    watchdog.ended(HUNGRY.egressId);
    assert.deepEqual(watchdog.check(sample(11_000)), []);
  });
});
