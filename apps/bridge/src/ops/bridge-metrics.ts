import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger, POOLS, type Pool, QUEUE_NAMES } from '@egress/protocol';
import { QueueEvents } from 'bullmq';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EgressQueues } from '../intake/egress-queues.js';
import type { RedisClient } from '../state/egress-store.js';
import { type BridgeProbe, JOB_STATES, type PoolProbe } from './bridge-probe.js';

/** Options of {@link BridgeMetrics}. */
export interface BridgeMetricsOptions {
  /** Reads queues and workers; called at most once per `probeTtlMs` for all gauges. */
  probe: () => Promise<BridgeProbe>;
  /** Whether the bridge has stopped taking egresses (SIGTERM). */
  isDraining: () => boolean;
  /** The queues whose wait time is observed. */
  queues: EgressQueues;
  /** Makes the dedicated blocking connections of the `active` event listeners. */
  connect: () => RedisClient;
  /** Go's constant labels: `node_id` and `cluster_id`. */
  nodeId: string;
  clusterId: string;
  logger: Logger;
  /** How long one probe serves scrapes, milliseconds. @defaultValue 1000 */
  probeTtlMs?: number;
}

/** Buckets of the queue wait histogram, seconds (a job should start within seconds). */
export const QUEUE_WAIT_BUCKETS_SEC = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] as const;

// Go's request type label values (pkg/types: RequestTypeRoomComposite = "room_composite").
function goRequestType(jobName: string): string {
  return jobName.replaceAll('-', '_');
}

/**
 * The bridge's Prometheus metrics (prom-client, own registry):
 * - Go's names with its `node_id`/`cluster_id` labels: `livekit_egress_available` (takes
 *   requests: not draining, Redis up), `livekit_egress_can_accept_request` (and a live
 *   composite worker exists), `livekit_egress_is_disabled`, `livekit_egress_is_terminating`
 *   (draining), `livekit_egress_requests{type}` (running egresses per Go request type, the
 *   whole cluster's);
 * - ours: `livekit_egress_queue_depth{pool}`, `livekit_egress_jobs{pool,state}`,
 *   `livekit_egress_live_workers{pool}`, `livekit_egress_redis_up`, and the histogram
 *   `livekit_egress_queue_wait_seconds{pool}` (enqueue → a worker takes the job);
 * - Node's default process metrics.
 */
export class BridgeMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  readonly #options: BridgeMetricsOptions;
  readonly #log: Logger;
  readonly #wait: Histogram<'pool'>;
  readonly #events: QueueEvents[] = [];
  readonly #connections: RedisClient[] = [];
  #probe: { atMs: number; result: Promise<BridgeProbe> } | undefined;
  #isClosed = false;

  constructor(options: BridgeMetricsOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'metrics' });
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node_id: options.nodeId, cluster_id: options.clusterId });
    collectDefaultMetrics({ register: this.registry });
    const probe = () => this.#probeCached();
    const takesRequests = async () =>
      !options.isDraining() && (await probe()).redis === 'up' ? 1 : 0;

    new Gauge({
      name: 'livekit_egress_available',
      help: 'Whether the bridge takes new egresses (not draining, Redis up)',
      registers,
      async collect() {
        this.set(await takesRequests());
      },
    });
    new Gauge({
      name: 'livekit_egress_can_accept_request',
      help: 'Whether a room composite request could start now (takes requests, a composite worker is live)',
      registers,
      async collect() {
        const p = await probe();
        const hasWorker = p.redis === 'up' && p.pools.composite.liveWorkers > 0;
        this.set((await takesRequests()) && hasWorker ? 1 : 0);
      },
    });
    for (const name of ['livekit_egress_is_disabled', 'livekit_egress_is_terminating']) {
      new Gauge({
        name,
        help: 'Whether the bridge is draining after SIGTERM',
        registers,
        collect() {
          this.set(options.isDraining() ? 1 : 0);
        },
      });
    }
    // Cleared at each scrape, then filled from every pool's probe while Redis answers.
    const perPoolGauge = <L extends string>(
      config: { name: string; help: string; labelNames: L[] },
      fill: (gauge: Gauge<L>, pool: Pool, probed: PoolProbe) => void,
    ) =>
      new Gauge<L>({
        ...config,
        registers,
        async collect() {
          this.reset();
          const p = await probe();
          if (p.redis === 'down') return;
          for (const pool of POOLS) fill(this, pool, p.pools[pool]);
        },
      });
    perPoolGauge(
      {
        name: 'livekit_egress_requests',
        help: 'Running egresses by request type',
        labelNames: ['type'],
      },
      (gauge, _pool, probed) => {
        for (const [name, count] of Object.entries(probed.running)) {
          gauge.inc({ type: goRequestType(name) }, count);
        }
      },
    );
    perPoolGauge(
      {
        name: 'livekit_egress_queue_depth',
        help: 'Jobs no worker has taken yet, per pool',
        labelNames: ['pool'],
      },
      (gauge, pool, probed) => gauge.set({ pool }, probed.depth),
    );
    perPoolGauge(
      {
        name: 'livekit_egress_jobs',
        help: 'Jobs per pool and BullMQ state',
        labelNames: ['pool', 'state'],
      },
      (gauge, pool, probed) => {
        for (const state of JOB_STATES) gauge.set({ pool, state }, probed.jobs[state]);
      },
    );
    perPoolGauge(
      {
        name: 'livekit_egress_live_workers',
        help: 'Workers with a fresh capacity report, per pool',
        labelNames: ['pool'],
      },
      (gauge, pool, probed) => gauge.set({ pool }, probed.liveWorkers),
    );
    new Gauge({
      name: 'livekit_egress_redis_up',
      help: 'Whether Redis answers the bridge',
      registers,
      async collect() {
        this.set((await probe()).redis === 'up' ? 1 : 0);
      },
    });
    this.#wait = new Histogram({
      name: 'livekit_egress_queue_wait_seconds',
      help: 'Time from enqueue until a worker takes the job, per pool',
      labelNames: ['pool'],
      buckets: [...QUEUE_WAIT_BUCKETS_SEC],
      registers,
    });
  }

  /** Starts observing queue wait times (BullMQ `active` events). */
  async start(): Promise<void> {
    for (const pool of POOLS) {
      const connection = this.#options.connect();
      connection.on('error', (err: unknown) => this.#log.debug({ err, pool }, 'redis error'));
      this.#connections.push(connection);
      const events = new QueueEvents(QUEUE_NAMES[pool], {
        connection,
        prefix: this.#options.queues.prefix,
        autorun: false,
      });
      events.on('error', (err) => this.#log.warn({ err, pool }, 'metrics queue events error'));
      events.on('active', ({ jobId }) => {
        this.#observeWait(pool, jobId).catch((err: unknown) => {
          // A lost sample only; the job itself is unaffected.
          this.#log.debug({ err, jobId, pool }, 'could not read a job for its wait time');
        });
      });
      this.#events.push(events);
    }
    await Promise.all(this.#events.map((events) => events.waitUntilReady()));
    for (const events of this.#events) {
      // run() resolves only when the QueueEvents closes; errors are emitted as 'error'.
      events.run().catch((err: unknown) => this.#log.warn({ err }, 'metrics queue events stopped'));
    }
  }

  /** Answers a scrape in Prometheus text format. */
  handle(_req: IncomingMessage, res: ServerResponse): void {
    this.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': this.registry.contentType });
        res.end(text);
      },
      (err: unknown) => {
        this.#log.warn({ err }, 'metrics collection failed');
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('metrics collection failed\n');
      },
    );
  }

  /** Stops the event listeners and their connections; idempotent. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    await Promise.allSettled(this.#events.map((events) => events.close()));
    await Promise.allSettled(this.#connections.map((connection) => connection.quit()));
  }

  async #observeWait(pool: Pool, jobId: string): Promise<void> {
    if (this.#isClosed) return;
    const job = await this.#options.queues.queue(QUEUE_NAMES[pool]).getJob(jobId);
    if (!job?.processedOn) return;
    const waitMs = Math.max(0, job.processedOn - job.timestamp);
    this.#wait.observe({ pool }, waitMs / 1000);
  }

  #probeCached(): Promise<BridgeProbe> {
    const nowMs = Date.now();
    const ttlMs = this.#options.probeTtlMs ?? 1000;
    if (!this.#probe || nowMs - this.#probe.atMs > ttlMs) {
      this.#probe = { atMs: nowMs, result: this.#options.probe() };
    }
    return this.#probe.result;
  }
}
