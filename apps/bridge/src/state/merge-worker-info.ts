import { isFinalStatus } from '@egress/protocol';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';

// Lifecycle order: a report may move an egress forward, never back (STARTING → ACTIVE → ENDING →
// a final status). Reports of the same rank replace each other by `updated_at`.
function rankOf(status: EgressStatus): number {
  switch (status) {
    case EgressStatus.EGRESS_STARTING:
      return 0;
    case EgressStatus.EGRESS_ACTIVE:
      return 1;
    case EgressStatus.EGRESS_ENDING:
      return 2;
    default:
      return 3;
  }
}

/**
 * Decides whether a worker's report replaces the stored EgressInfo, and returns the info to
 * store, or `undefined` to keep the stored one. Status events, control replies and job results
 * reach the bridge on different Redis connections, so they can arrive out of order; this rule
 * keeps the stored info moving forward:
 * - a final status is kept, except LIMIT_REACHED → FAILED (Go fails a limit-reached egress whose
 *   upload then fails);
 * - a report of a later lifecycle step wins (worker clocks are not compared across steps);
 * - a report of the same step wins when its `updated_at` is not older (stream changes while
 *   ACTIVE);
 * - an earlier step loses;
 * - a report for another egress id loses.
 */
export function mergeWorkerInfo(stored: EgressInfo, next: EgressInfo): EgressInfo | undefined {
  if (next.egressId !== stored.egressId) return undefined;
  if (isFinalStatus(stored.status)) {
    const isLimitFailing =
      stored.status === EgressStatus.EGRESS_LIMIT_REACHED &&
      next.status === EgressStatus.EGRESS_FAILED;
    return isLimitFailing ? next : undefined;
  }
  const storedRank = rankOf(stored.status);
  const nextRank = rankOf(next.status);
  if (nextRank > storedRank) return next;
  if (nextRank === storedRank && next.updatedAt >= stored.updatedAt) {
    return next.equals(stored) ? undefined : next;
  }
  return undefined;
}
