import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EgressInfo, EgressStatus } from '@livekit/protocol';
import { mergeWorkerInfo } from './merge-worker-info.js';

const S = EgressStatus;

function info(status: EgressStatus, updatedAt: bigint, egressId = 'EG_a'): EgressInfo {
  return new EgressInfo({ egressId, status, updatedAt, details: `${status}@${updatedAt}` });
}

const cases: {
  name: string;
  input: { stored: EgressInfo; next: EgressInfo };
  want: 'next' | 'stored';
}[] = [
  {
    name: 'takes a later lifecycle step even when the worker clock is behind',
    input: { stored: info(S.EGRESS_STARTING, 100n), next: info(S.EGRESS_ACTIVE, 50n) },
    want: 'next',
  },
  {
    name: 'takes a newer report of the same step',
    input: { stored: info(S.EGRESS_ACTIVE, 100n), next: info(S.EGRESS_ACTIVE, 200n) },
    want: 'next',
  },
  {
    name: 'keeps the stored info against an older report of the same step',
    input: { stored: info(S.EGRESS_ACTIVE, 200n), next: info(S.EGRESS_ACTIVE, 100n) },
    want: 'stored',
  },
  {
    name: 'keeps ENDING against a late ACTIVE report',
    input: { stored: info(S.EGRESS_ENDING, 100n), next: info(S.EGRESS_ACTIVE, 200n) },
    want: 'stored',
  },
  {
    name: 'takes a final status over ENDING',
    input: { stored: info(S.EGRESS_ENDING, 100n), next: info(S.EGRESS_COMPLETE, 200n) },
    want: 'next',
  },
  {
    name: 'keeps a final status against anything else',
    input: { stored: info(S.EGRESS_ABORTED, 100n), next: info(S.EGRESS_FAILED, 200n) },
    want: 'stored',
  },
  {
    name: 'lets a failing upload turn LIMIT_REACHED into FAILED, as Go does',
    input: { stored: info(S.EGRESS_LIMIT_REACHED, 100n), next: info(S.EGRESS_FAILED, 200n) },
    want: 'next',
  },
  {
    name: 'ignores a report for another egress',
    input: { stored: info(S.EGRESS_STARTING, 100n), next: info(S.EGRESS_ACTIVE, 200n, 'EG_b') },
    want: 'stored',
  },
  {
    name: 'reports no change for an identical report',
    input: { stored: info(S.EGRESS_ACTIVE, 100n), next: info(S.EGRESS_ACTIVE, 100n) },
    want: 'stored',
  },
];

describe('mergeWorkerInfo', () => {
  for (const c of cases) {
    it(c.name, () => {
      const merged = mergeWorkerInfo(c.input.stored, c.input.next);
      if (c.want === 'next') assert.equal(merged, c.input.next);
      else assert.equal(merged, undefined);
    });
  }
});
