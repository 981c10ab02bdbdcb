import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BridgeProbe, PoolProbe } from './bridge-probe.js';
import { type BridgeHealth, healthReportOf } from './health-report.js';

function pool(queue: string, depth: number, liveWorkers: number): PoolProbe {
  return {
    queue,
    jobs: { waiting: depth, prioritized: 0, delayed: 0, active: 1, completed: 2, failed: 0 },
    depth,
    liveWorkers,
    running: { 'room-composite': 1 },
  };
}

describe('healthReportOf', () => {
  const up: BridgeProbe = {
    redis: 'up',
    pools: { composite: pool('egress-composite', 3, 2), track: pool('egress-track', 0, 0) },
  };
  const cases: {
    name: string;
    input: { probe: BridgeProbe; isDraining: boolean };
    want: BridgeHealth;
  }[] = [
    {
      name: 'is unhealthy without pools while redis is down',
      input: { probe: { redis: 'down', pools: undefined }, isDraining: false },
      want: { isHealthy: false, redis: 'down', isDraining: false },
    },
    {
      name: 'is healthy with queue counts and live workers per pool while redis is up',
      input: { probe: up, isDraining: false },
      want: {
        isHealthy: true,
        redis: 'up',
        isDraining: false,
        pools: {
          composite: {
            queue: 'egress-composite',
            jobs: { waiting: 3, prioritized: 0, delayed: 0, active: 1, completed: 2, failed: 0 },
            depth: 3,
            liveWorkers: 2,
          },
          track: {
            queue: 'egress-track',
            jobs: { waiting: 0, prioritized: 0, delayed: 0, active: 1, completed: 2, failed: 0 },
            depth: 0,
            liveWorkers: 0,
          },
        },
      },
    },
    {
      name: 'reports draining, and redis down, together',
      input: { probe: { redis: 'down', pools: undefined }, isDraining: true },
      want: { isHealthy: false, redis: 'down', isDraining: true },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(healthReportOf(c.input.probe, c.input.isDraining), c.want);
    });
  }
});
