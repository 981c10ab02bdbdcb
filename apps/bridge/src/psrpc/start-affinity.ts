import {
  AFFINITY,
  affinityFor,
  type CpuCosts,
  cpuCostOf,
  type EgressRequest,
  POOLS,
  type Pool,
  QUEUE_NAMES,
  queueOf,
  type RequestType,
  requestTypeOf,
} from '@egress/protocol';
import type { RpcStartEgressRequest } from '@egress/protocol/psrpc';
import type { PoolCapacity } from '../ops/pool-capacity.js';

/** Where and at what cost a StartEgress would run. */
export interface StartPlan {
  readonly pool: Pool;
  readonly requestType: RequestType;
  /** CPUs, as the worker's admission counts them. */
  readonly cost: number;
}

/** The plan of a request: its pool (the protocol's routing, through its queue) and cost. */
export function startPlanOf(
  request: EgressRequest,
  costs: CpuCosts,
  estimatedCpu: number,
): StartPlan {
  const queue = queueOf(request);
  // Every queue belongs to a pool: QUEUE_NAMES maps each pool to its queue.
  const pool = POOLS.find((p) => QUEUE_NAMES[p] === queue) ?? 'composite';
  return {
    pool,
    requestType: requestTypeOf(request),
    cost: cpuCostOf(request, costs, estimatedCpu),
  };
}

/** What {@link startAffinity} reads. */
export interface StartAffinityOptions {
  capacity: PoolCapacity;
  /** Config `cpu_cost`. */
  costs: CpuCosts;
  /** Config `queued_start_affinity`: the claim when no worker can start it now; 0 = none. */
  queuedStartAffinity: number;
  /** Whether the door drains (no claims). */
  isDraining: boolean;
}

/**
 * The affinity the psrpc door claims a StartEgress with, by Go's rule applied to the request's
 * pool ({@link affinityFor}): −1 (no claim) while draining or when no live worker of the pool
 * can admit its cost (the job could not start before its deadline), 1 when a busy worker can
 * (Go packs work onto busy servers), 0.5 when only idle ones can. With `queued_start_affinity`
 * above 0, a request no worker can start now is claimed with that value instead, and waits in
 * the queue. A request without a usable request part is claimed at 0.5 so that the handler
 * answers `invalid_argument`, as Go validates after the claim.
 * @throws when Redis cannot be reached (the psrpc server then does not claim).
 */
export async function startAffinity(
  request: RpcStartEgressRequest,
  egressRequest: EgressRequest | undefined,
  options: StartAffinityOptions,
): Promise<number> {
  if (options.isDraining) return AFFINITY.reject;
  if (!egressRequest) return AFFINITY.idle;
  const plan = startPlanOf(egressRequest, options.costs, request.estimatedCpu);
  const workers = await options.capacity.workers(plan.pool);
  const affinity = affinityFor(plan.cost, workers, { requestType: plan.requestType });
  if (affinity < 0 && options.queuedStartAffinity > 0) return options.queuedStartAffinity;
  return affinity;
}
