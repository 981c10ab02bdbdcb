import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Config, type Logger, newGuid } from '@egress/protocol';
import type { EgressQueues } from '../intake/egress-queues.js';
import type { RedisClient } from '../state/egress-store.js';
import type { HttpMount } from '../twirp/twirp-server.js';
import { ADMIN_BOARD_PATH, createAdminBoard } from './admin-board.js';
import { BridgeMetrics } from './bridge-metrics.js';
import { probeBridge } from './bridge-probe.js';
import { healthReportOf } from './health-report.js';
import { type HttpListener, listenHttp } from './http-listener.js';

/** Where an operations endpoint listens instead of its config port. */
export interface OpsAddress {
  /** @defaultValue '0.0.0.0' */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

/** Options of {@link BridgeOps}. */
export interface BridgeOpsOptions {
  /** `health_port`, `prometheus_port` (0 = off), `admin` (absent = no Bull Board), `cluster_id`. */
  config: Pick<Config, 'healthPort' | 'prometheusPort' | 'admin' | 'clusterId'>;
  /** The producer connection (fails fast when Redis is away). */
  redis: RedisClient;
  queues: EgressQueues;
  /** Makes dedicated blocking connections (metrics' queue event listeners). */
  connect: () => RedisClient;
  /** Whether the bridge has stopped taking egresses. */
  isDraining: () => boolean;
  logger: Logger;
  /** Overrides `health_port` (tests bind 127.0.0.1:0). */
  health?: OpsAddress;
  /** Overrides `prometheus_port`. */
  prometheus?: OpsAddress;
  /** Go's `node_id` metric label. @defaultValue a new `NE_` id */
  nodeId?: string;
}

/** Paths of the operations endpoints on the API port. */
export const OPS_PATHS = { health: '/health', metrics: '/metrics' } as const;

/**
 * The bridge's operations surface: `/health` (JSON, 200 while Redis answers, else 503),
 * `/metrics` (Prometheus), and Bull Board at `/admin/queues` behind basic auth when `admin` is
 * set. All of them are {@link mounts} for the API port; health and metrics also get their own
 * ports when `health_port` / `prometheus_port` are set (answering on every path, as Go's do;
 * one server for both when the ports are equal, with `/metrics` for metrics).
 */
export class BridgeOps {
  /** Handlers for the API port (next to Twirp). */
  readonly mounts: readonly HttpMount[];
  readonly metrics: BridgeMetrics;
  readonly #options: BridgeOpsOptions;
  readonly #log: Logger;
  readonly #listeners: HttpListener[] = [];
  #healthPort: number | undefined;
  #metricsPort: number | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: BridgeOpsOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'ops' });
    this.metrics = new BridgeMetrics({
      probe: () => this.#probe(),
      isDraining: options.isDraining,
      queues: options.queues,
      connect: options.connect,
      nodeId: options.nodeId ?? newGuid('NE_'),
      clusterId: options.config.clusterId,
      logger: options.logger,
    });
    const mounts: HttpMount[] = [
      { path: OPS_PATHS.health, handle: (req, res) => this.handleHealth(req, res) },
      { path: OPS_PATHS.metrics, handle: (req, res) => this.metrics.handle(req, res) },
    ];
    if (options.config.admin) {
      mounts.push({
        path: ADMIN_BOARD_PATH,
        handle: createAdminBoard({ queues: options.queues.all(), admin: options.config.admin }),
      });
    }
    this.mounts = mounts;
  }

  /** The bound health port, when one is served. */
  get healthPort(): number | undefined {
    return this.#healthPort;
  }

  /** The bound Prometheus port, when one is served. */
  get metricsPort(): number | undefined {
    return this.#metricsPort;
  }

  /**
   * Starts the metrics listeners and the health / Prometheus ports.
   * @throws when a port cannot be bound.
   */
  async start(): Promise<void> {
    await this.metrics.start();
    const health = this.#options.health ?? portOf(this.#options.config.healthPort);
    const prometheus = this.#options.prometheus ?? portOf(this.#options.config.prometheusPort);
    const isShared =
      health !== undefined &&
      prometheus !== undefined &&
      health.port !== 0 &&
      health.port === prometheus.port;
    if (health) {
      const listener = await listenHttp({
        port: health.port,
        ...(health.host ? { host: health.host } : {}),
        handle: isShared
          ? (req, res) => {
              if (pathOf(req) === OPS_PATHS.metrics) this.metrics.handle(req, res);
              else this.handleHealth(req, res);
            }
          : (req, res) => this.handleHealth(req, res),
      });
      this.#listeners.push(listener);
      this.#healthPort = listener.port;
      if (isShared) this.#metricsPort = listener.port;
    }
    if (prometheus && !isShared) {
      const listener = await listenHttp({
        port: prometheus.port,
        ...(prometheus.host ? { host: prometheus.host } : {}),
        handle: (req, res) => this.metrics.handle(req, res),
      });
      this.#listeners.push(listener);
      this.#metricsPort = listener.port;
    }
    this.#log.info(
      {
        healthPort: this.#healthPort,
        metricsPort: this.#metricsPort,
        isAdminBoardOn: !!this.#options.config.admin,
      },
      'operations endpoints listening',
    );
  }

  /** Answers `/health`: the {@link healthReportOf} JSON, 200 or 503. */
  handleHealth(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    this.#probe()
      .then((probe) => {
        const report = healthReportOf(probe, this.#options.isDraining());
        const body = JSON.stringify(report);
        res.writeHead(report.isHealthy ? 200 : 503, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      })
      .catch((err: unknown) => {
        // Only a reset connection gets here (the probe never throws); nothing to answer.
        this.#log.debug({ err }, 'health answer failed');
        res.destroy();
      });
  }

  /** Closes the ports and the metrics listeners; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled(this.#listeners.map((listener) => listener.close()));
      await this.metrics.close();
    })();
    return this.#closing;
  }

  #probe() {
    return probeBridge({ redis: this.#options.redis, queues: this.#options.queues });
  }
}

function portOf(port: number): OpsAddress | undefined {
  return port > 0 ? { port } : undefined;
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0] ?? '';
}
