import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  type Bridge,
  FakeLivekitServer,
  FIRST_AVAILABLE,
  type PsrpcSelectionOptions,
  removeTestKeys,
  START_EGRESS_SELECTION,
  startBridge,
  TEST_API_KEY,
  TEST_API_SECRET,
  testConfig,
  testLogger,
} from '@egress/bridge/testing';
import { newEgressId } from '@egress/protocol';
import { RpcStartEgressRequest } from '@egress/protocol/psrpc';
import {
  EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  RoomCompositeEgressRequest,
} from '@livekit/protocol';
import { Redis } from 'ioredis';
import { AccessToken, EgressClient } from 'livekit-server-sdk';

/** Options of {@link runDoorBench}. */
export interface DoorBenchOptions {
  /** A Redis the bench may write to (it cleans up its own keys). */
  redisUrl: string;
  /** Requests in flight at once, per door. @defaultValue 16 */
  concurrency?: number;
  /** StartEgress requests through Twirp and through psrpc with the first claim. @defaultValue 1000 */
  requests?: number;
  /**
   * Requests through psrpc with livekit-server's selection, which waits up to 500 ms for a
   * claim of affinity 1 that an idle bridge (0.5, as Go's idle server) never sends. @defaultValue 160
   */
  slowRequests?: number;
}

/** One door's figures. */
export interface DoorBenchRow {
  door: string;
  requests: number;
  concurrency: number;
  /** Completed StartEgress calls per second, over the whole run. */
  perSecond: number;
  /** Request sent → job enqueued (the bridge announces the STARTING egress), milliseconds. */
  enqueueP50Ms: number;
  enqueueP99Ms: number;
  /** Request sent → answer received, milliseconds. */
  answerP50Ms: number;
  answerP99Ms: number;
  /**
   * CPU time of this process per request (bridge and client together: the SDK or the fake
   * livekit-server run here too), milliseconds. Unlike req/s it barely moves with the load
   * other processes put on the machine.
   */
  cpuMsPerRequest: number;
  /** Commands Redis processed per request (all clients of that Redis, the bridge's own work included). */
  redisCommandsPerRequest: number;
}

// Redis's count of commands processed since it started.
async function redisCommands(redis: Redis): Promise<number> {
  const stats = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? Number.NaN);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

function roomRequest(): RoomCompositeEgressRequest {
  return new RoomCompositeEgressRequest({
    roomName: `bench-${randomUUID()}`,
    fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'b/a.mp4' })],
  });
}

// A Twirp token as the SDK mints it (roomRecord grant), valid for the whole run.
function twirpToken(): Promise<string> {
  const token = new AccessToken(TEST_API_KEY, TEST_API_SECRET, { ttl: 3600 });
  token.addGrant({ roomRecord: true });
  return token.toJwt();
}

// Runs `start` `requests` times with `concurrency` in flight; each returns its egress id.
async function measure(
  bridge: Bridge,
  redis: Redis,
  door: string,
  requests: number,
  concurrency: number,
  start: () => Promise<string>,
): Promise<DoorBenchRow> {
  const enqueuedAt = new Map<string, number>();
  const unsubscribe = bridge.onInfoChanged((info) => {
    if (info.status === EgressStatus.EGRESS_STARTING && !enqueuedAt.has(info.egressId)) {
      enqueuedAt.set(info.egressId, performance.now());
    }
  });
  const enqueue: number[] = [];
  const answer: number[] = [];
  const commandsBefore = await redisCommands(redis);
  const cpuBefore = process.cpuUsage();
  const runStart = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < requests) {
      next++;
      const sentAt = performance.now();
      const egressId = await start();
      answer.push(performance.now() - sentAt);
      const at = enqueuedAt.get(egressId);
      if (at !== undefined) enqueue.push(at - sentAt);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    unsubscribe();
  }
  const seconds = (performance.now() - runStart) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const commands = (await redisCommands(redis)) - commandsBefore;
  enqueue.sort((a, b) => a - b);
  answer.sort((a, b) => a - b);
  return {
    door,
    requests,
    concurrency,
    perSecond: requests / seconds,
    enqueueP50Ms: percentile(enqueue, 50),
    enqueueP99Ms: percentile(enqueue, 99),
    answerP50Ms: percentile(answer, 50),
    answerP99Ms: percentile(answer, 99),
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests,
    redisCommandsPerRequest: commands / requests,
  };
}

/**
 * Measures StartEgress through each door of one in-process bridge (Twirp on 127.0.0.1 port 0
 * via livekit-server-sdk's EgressClient; psrpc via the fake livekit-server, with the first
 * claim and with livekit-server's own selection). No worker runs: the door claims with
 * `queued_start_affinity` 0.5 (an idle pool's affinity), jobs stay queued, and the bench deletes
 * them when it ends.
 */
export async function runDoorBench(options: DoorBenchOptions): Promise<DoorBenchRow[]> {
  const concurrency = options.concurrency ?? 16;
  const requests = options.requests ?? 1000;
  const slowRequests = options.slowRequests ?? 160;
  const prefix = `bench-${randomUUID()}`;
  const clusterId = `bench-${randomUUID()}`;
  const ioInfoTopic = [`bench-io-${randomUUID()}`];
  const logger = testLogger('bridge-bench');
  const bridge = await startBridge({
    config: {
      ...testConfig(options.redisUrl),
      clusterId,
      jobStartDeadlineMs: 600_000,
      queuedStartAffinity: 0.5,
    },
    logger,
    queuePrefix: prefix,
    api: { host: '127.0.0.1', port: 0 },
    ioInfoTopic,
  });
  const fake = new FakeLivekitServer({ redis: options.redisUrl, logger, ioInfoTopic });
  const redis = new Redis(options.redisUrl);
  const agents: Agent[] = [];
  try {
    await fake.start();
    const client = new EgressClient(
      `http://127.0.0.1:${bridge.apiPort}`,
      TEST_API_KEY,
      TEST_API_SECRET,
    );
    const viaTwirp = async () => {
      const request = roomRequest();
      const info = await client.startRoomCompositeEgress(request.roomName, {
        file: request.fileOutputs[0] as EncodedFileOutput,
      });
      return info.egressId;
    };
    // The same call without the SDK: one token for the run and a keep-alive agent, so the row
    // shows the bridge's own cost (the SDK mints a token per call and goes through fetch).
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    agents.push(agent);
    const token = await twirpToken();
    const viaRawHttp = () =>
      new Promise<string>((resolve, reject) => {
        const body = roomRequest().toJsonString({ useProtoFieldName: true });
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: bridge.apiPort,
            method: 'POST',
            path: '/twirp/livekit.Egress/StartRoomCompositeEgress',
            agent,
            headers: {
              Authorization: `Bearer ${token}`,
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(body),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (res.statusCode !== 200) reject(new Error(`twirp ${res.statusCode}: ${text}`));
              else resolve(EgressInfo.fromJsonString(text).egressId);
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const viaPsrpc = (selection: PsrpcSelectionOptions) => async () => {
      const info = await fake.startEgress(
        new RpcStartEgressRequest({
          egressId: newEgressId(),
          roomId: 'RM_bench',
          request: { case: 'roomComposite', value: roomRequest() },
        }),
        { clusterId, selection },
      );
      return info.egressId;
    };
    // A short warm-up, so connections and JIT do not count.
    await measure(bridge, redis, 'warm-up', 50, 4, viaTwirp);
    await measure(bridge, redis, 'warm-up', 50, 4, viaPsrpc(FIRST_AVAILABLE));
    return [
      await measure(bridge, redis, 'twirp (EgressClient)', requests, concurrency, viaTwirp),
      await measure(bridge, redis, 'twirp (raw HTTP)', requests, concurrency, viaRawHttp),
      await measure(
        bridge,
        redis,
        'psrpc (first claim)',
        requests,
        concurrency,
        viaPsrpc(FIRST_AVAILABLE),
      ),
      await measure(
        bridge,
        redis,
        'psrpc (livekit-server selection)',
        slowRequests,
        concurrency,
        viaPsrpc(START_EGRESS_SELECTION),
      ),
    ];
  } finally {
    for (const agent of agents) agent.destroy();
    redis.disconnect();
    await fake.close();
    await bridge.close();
    await removeTestKeys(options.redisUrl, prefix);
  }
}
