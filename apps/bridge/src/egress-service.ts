import { applyStop, EgressError, END_REASONS, isFinalStatus } from '@egress/protocol';
import {
  type EgressInfo,
  EgressStatus,
  type ListEgressRequest,
  ListEgressResponse,
  type UpdateLayoutRequest,
  type UpdateStreamRequest,
} from '@livekit/protocol';
import type { ControlClient } from './control/control-client.js';
import type { EgressQueues } from './intake/egress-queues.js';
import type { Intake } from './intake/intake.js';
import type { EgressState } from './state/egress-state.js';
import type { EgressStore } from './state/egress-store.js';

/** Options of {@link EgressService}. */
export interface EgressServiceOptions {
  intake: Intake;
  store: EgressStore;
  queues: EgressQueues;
  state: EgressState;
  control: ControlClient;
}

function statusName(status: EgressStatus): string {
  return EgressStatus[status] ?? String(status);
}

/**
 * The `livekit.Egress` API in standalone mode, behind the Twirp door: start (through the
 * intake), list from the stored infos, and stop / update stream / update layout, which a queued
 * job answers itself and a running one forwards to its worker.
 */
export class EgressService {
  readonly intake: Intake;
  readonly #store: EgressStore;
  readonly #queues: EgressQueues;
  readonly #state: EgressState;
  readonly #control: ControlClient;

  constructor(options: EgressServiceOptions) {
    this.intake = options.intake;
    this.#store = options.store;
    this.#queues = options.queues;
    this.#state = options.state;
    this.#control = options.control;
  }

  /**
   * Lists egresses as livekit-server does: by id (whatever its status), else by room (every
   * room when empty), only STARTING/ACTIVE/ENDING ones when `active`.
   * @throws not_found "egress not found" for an unknown id.
   */
  async list(request: ListEgressRequest): Promise<ListEgressResponse> {
    if (request.egressId) {
      return new ListEgressResponse({ items: [await this.#store.require(request.egressId)] });
    }
    const items = await this.#store.list({
      roomName: request.roomName,
      isActiveOnly: request.active,
    });
    return new ListEgressResponse({ items });
  }

  /**
   * Stops an egress. A job no worker has taken is removed and the egress ends ABORTED "Stop
   * called before pipeline could start" (Go's text); a running one is told to stop and its
   * worker's info (ENDING) is returned.
   * @throws not_found "egress not found" for an unknown id.
   * @throws failed_precondition "egress with status X cannot be stopped" once it has ended
   *   (livekit-server's text).
   * @throws deadline_exceeded when the worker does not answer in time.
   */
  async stop(egressId: string): Promise<EgressInfo> {
    const info = await this.#store.require(egressId);
    if (isFinalStatus(info.status)) {
      throw EgressError.failedPrecondition(
        `egress with status ${statusName(info.status)} cannot be stopped`,
      );
    }
    if (info.status === EgressStatus.EGRESS_STARTING) {
      const outcome = await this.#queues.removeIfQueued(info);
      if (outcome === 'removed' || outcome === 'missing') {
        const result = await this.#state.update(egressId, (current) =>
          current.status === EgressStatus.EGRESS_STARTING
            ? applyStop(current, END_REASONS.api)
            : undefined,
        );
        if (isFinalStatus(result.info.status)) return result.info;
      }
    }
    return this.#forward(await this.#control.send({ type: 'stop', egressId }));
  }

  /**
   * Adds and removes stream URLs of a running egress, through its worker.
   * @throws not_found, failed_precondition (not running yet, or ended), deadline_exceeded.
   */
  async updateStream(request: UpdateStreamRequest): Promise<EgressInfo> {
    await this.#requireRunning(request.egressId, 'its streams updated');
    return this.#forward(
      await this.#control.send({
        type: 'update-stream',
        egressId: request.egressId,
        addOutputUrls: request.addOutputUrls,
        removeOutputUrls: request.removeOutputUrls,
      }),
    );
  }

  /**
   * Switches the layout of a running composite egress, through its worker (Go has livekit-server
   * set the recorder's metadata instead; here the worker changes its template).
   * @throws not_found, failed_precondition (not running yet, or ended), deadline_exceeded.
   */
  async updateLayout(request: UpdateLayoutRequest): Promise<EgressInfo> {
    await this.#requireRunning(request.egressId, 'its layout updated');
    return this.#forward(
      await this.#control.send({
        type: 'update-layout',
        egressId: request.egressId,
        layout: request.layout,
      }),
    );
  }

  async #requireRunning(egressId: string, what: string): Promise<EgressInfo> {
    const info = await this.#store.require(egressId);
    if (isFinalStatus(info.status)) {
      throw EgressError.failedPrecondition(
        `egress with status ${statusName(info.status)} cannot have ${what}`,
      );
    }
    if (info.status === EgressStatus.EGRESS_STARTING) {
      const job = await this.#queues.job(info);
      const state = job ? await job.getState() : 'missing';
      if (state !== 'active') {
        throw EgressError.failedPrecondition(
          `egress ${egressId} is waiting for a worker and cannot have ${what} yet; retry once it is active`,
        );
      }
    }
    return info;
  }

  // Stores the worker's answer (it may race its own status event; the merge rule orders them)
  // and returns it as the caller's result, as livekit-server returns the handler's info.
  async #forward(info: EgressInfo): Promise<EgressInfo> {
    await this.#state.applyWorkerInfo(info);
    return info;
  }
}
