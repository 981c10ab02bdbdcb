import {
  type Config,
  cpuCostOf,
  createEgressInfo,
  EgressError,
  type EgressRequest,
  egressInfoKey,
  encodeJobPayload,
  GO_MESSAGES,
  type Logger,
  mintEgressToken,
  newEgressId,
  validateRequest,
} from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';
import type { EgressState } from '../state/egress-state.js';
import type { EgressStore } from '../state/egress-store.js';
import type { EgressQueues } from './egress-queues.js';
import { outputsWithoutStorage } from './local-storage-rule.js';

/** The config slice the intake reads. */
export type IntakeConfig = Pick<
  Config,
  | 'apiKey'
  | 'apiSecret'
  | 'wsUrl'
  | 'cpuCost'
  | 'jobStartDeadlineMs'
  | 'disallowLocalStorage'
  | 'storage'
>;

/** Options of {@link Intake}. */
export interface IntakeOptions {
  config: IntakeConfig;
  store: EgressStore;
  queues: EgressQueues;
  state: EgressState;
  logger: Logger;
}

/** What a door knows about a request besides the request itself. */
export interface StartOptions {
  /** The id livekit-server chose (psrpc door); a new `EG_` id when absent (Twirp door). */
  egressId?: string;
  /** The room's `RM_` id, when the door knows it. @defaultValue '' */
  roomId?: string;
  /** Room token sent with the request; one is minted from api_key/api_secret when absent. */
  token?: string;
  /** LiveKit URL sent with the request; overrides config `ws_url` (as in Go). */
  wsUrl?: string;
  /** livekit-server's `retry_count`. @defaultValue 0 */
  retryCount?: number;
  /** livekit-server's `estimated_cpu`; above 0 it replaces the configured cost. @defaultValue 0 */
  estimatedCpu?: number;
  /**
   * The psrpc door accepting it for livekit-server (its owner id); stored with the egress
   * before anyone hears of it, so webhooks of this egress are left to livekit-server.
   */
  psrpcOwner?: string;
}

/**
 * The one path both doors take into the system: validate the request (Go's rules), create its
 * EgressInfo (STARTING), store it, enqueue its job (jobId = egress id) and return the info.
 */
export class Intake {
  readonly #config: IntakeConfig;
  readonly #store: EgressStore;
  readonly #queues: EgressQueues;
  readonly #state: EgressState;
  readonly #log: Logger;
  #isDraining = false;

  constructor(options: IntakeOptions) {
    this.#config = options.config;
    this.#store = options.store;
    this.#queues = options.queues;
    this.#state = options.state;
    this.#log = options.logger.child({ component: 'intake' });
  }

  /** Refuses new requests from now on ("server is shutting down", as Go). */
  drain(): void {
    this.#isDraining = true;
  }

  /**
   * Starts an egress.
   * @throws invalid_argument when the request breaks a rule (the message says what to change).
   * @throws already_exists when `egressId` is taken.
   * @throws failed_precondition when the room cannot be joined (no `ws_url`, no API key).
   * @throws unavailable when the bridge is shutting down or Redis is away.
   */
  async start(request: EgressRequest, options: StartOptions = {}): Promise<EgressInfo> {
    if (this.#isDraining) throw EgressError.unavailable(GO_MESSAGES.shuttingDown);
    const retryCount = options.retryCount ?? 0;
    const validated = validateRequest(request, { retryCount });
    if (this.#config.disallowLocalStorage) {
      const local = outputsWithoutStorage(validated, this.#config.storage);
      if (local.length > 0) {
        throw EgressError.invalidArgument(
          `${local.join(', ')} output: names no storage and disallow_local_storage is set; give the output, the request or the server config an upload target`,
        );
      }
    }
    const egressId = options.egressId ?? newEgressId();
    egressInfoKey(egressId); // throws invalid_argument for an id that cannot name our keys

    const nowMs = Date.now();
    const info = createEgressInfo({
      egressId,
      request,
      nowMs,
      retryCount,
      ...(options.roomId ? { roomId: options.roomId } : {}),
    });
    const joinsRoom = validated.roomName !== '';
    const wsUrl = joinsRoom ? options.wsUrl || this.#config.wsUrl : '';
    if (joinsRoom && wsUrl === '') {
      throw EgressError.failedPrecondition(
        'ws_url is not set: set ws_url (or LIVEKIT_WS_URL) so workers can join the room',
      );
    }
    const token = joinsRoom ? await this.#tokenFor(egressId, validated.roomName, options) : '';
    const startDeadlineMs = nowMs + this.#config.jobStartDeadlineMs;
    const payload = encodeJobPayload({
      request,
      info,
      wsUrl,
      cpuCost: cpuCostOf(request, this.#config.cpuCost, options.estimatedCpu ?? 0),
      startDeadlineMs,
      enqueuedAtMs: nowMs,
      ...(token ? { token } : {}),
    });

    await this.#store.create(info, options.psrpcOwner ? { psrpcOwner: options.psrpcOwner } : {});
    try {
      await this.#queues.add(payload);
    } catch (err) {
      await this.#store.remove(egressId).catch((removeErr: unknown) => {
        // The sweep ends the stored STARTING egress as a lost job if this cleanup fails.
        this.#log.warn({ err: removeErr, egressId }, 'could not remove an unqueued egress');
      });
      throw new EgressError('unavailable', 'could not enqueue the egress: Redis is unavailable', {
        cause: err,
      });
    }
    this.#log.info(
      { egressId, requestType: payload.requestType, roomId: info.roomId },
      'egress enqueued',
    );
    this.#state.created(info, startDeadlineMs);
    return info;
  }

  async #tokenFor(egressId: string, roomName: string, options: StartOptions): Promise<string> {
    if (options.token) return options.token;
    if (!this.#config.apiKey || !this.#config.apiSecret) {
      throw EgressError.failedPrecondition(
        'api_key and api_secret are not set: set them so the bridge can mint room tokens',
      );
    }
    return mintEgressToken({
      apiKey: this.#config.apiKey,
      apiSecret: this.#config.apiSecret,
      egressId,
      roomName,
    });
  }
}
