import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Any } from '@bufbuild/protobuf';
import { newEgressId } from '@egress/protocol';
import {
  claimResponseChannel,
  encodeEnvelope,
  newClientId,
  newRequestId,
  nowNs,
  PSRPC_METHODS,
  PSRPC_SERVICES,
  PsrpcClaimRequest,
  PsrpcClaimResponse,
  PsrpcRequest,
  PsrpcResponse,
  RpcStartEgressRequest,
  requestChannel,
} from '@egress/protocol/psrpc';
import {
  mutate,
  prng,
  randomBytes,
  startTestRedis,
  type TestRedis,
} from '@egress/protocol/testing';
import {
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  ListEgressRequest,
  RoomCompositeEgressRequest,
  StopEgressRequest,
  StreamOutput,
  TrackEgressRequest,
  UpdateLayoutRequest,
  UpdateStreamRequest,
  WebEgressRequest,
} from '@livekit/protocol';
import { Redis } from 'ioredis';
import { AccessToken, EgressClient } from 'livekit-server-sdk';
import { type Bridge, startBridge } from './bridge.js';
import { FakeLivekitServer } from './psrpc/testing/fake-livekit-server.js';
import { testLogger } from './psrpc/testing/test-logger.js';
import { removeTestKeys } from './testing/start-test-bridge.js';
import { TEST_API_KEY, TEST_API_SECRET, testConfig } from './testing/test-config.js';
import { EGRESS_METHODS } from './twirp/twirp-methods.js';

// JSON-aware mutations besides the byte ones: wrong value types, unknown and deep fields.
const JSON_ODDITIES: unknown[] = [
  null,
  true,
  -1,
  1e308,
  '',
  'x'.repeat(300),
  [],
  [1, 'a'],
  {},
  { a: { b: { c: [] } } },
  '\u0000\uffff',
];

function mutateJson(seed: Record<string, unknown>, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const op = Math.floor(random() * 4);
  if (op === 0) return mutate(Buffer.from(JSON.stringify(seed)), random).toString('latin1');
  if (op === 1) return JSON.stringify(pick(JSON_ODDITIES));
  const copy: Record<string, unknown> = structuredClone(seed);
  const keys = Object.keys(copy);
  const key = op === 2 && keys.length > 0 ? pick(keys) : `field_${Math.floor(random() * 5)}`;
  copy[key] = pick(JSON_ODDITIES);
  return JSON.stringify(copy);
}

function roomRequest(roomName: string): RoomCompositeEgressRequest {
  return new RoomCompositeEgressRequest({
    roomName,
    fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'f/a.mp4' })],
  });
}

// One valid body per Twirp method (requests for unknown egresses are still well formed).
const TWIRP_SEEDS: Record<string, { toBinary(): Uint8Array; toJson(): unknown }> = {
  StartRoomCompositeEgress: roomRequest('fuzz-room'),
  StartWebEgress: new WebEgressRequest({
    url: 'https://example.com',
    streamOutputs: [new StreamOutput({ urls: ['rtmp://example.com/live/key'] })],
  }),
  StartParticipantEgress: new RoomCompositeEgressRequest({ roomName: 'fuzz-room' }),
  StartTrackCompositeEgress: new RoomCompositeEgressRequest({ roomName: 'fuzz-room' }),
  StartTrackEgress: new TrackEgressRequest({ roomName: 'fuzz-room', trackId: 'TR_a' }),
  StartEgress: new RoomCompositeEgressRequest({ roomName: 'fuzz-room' }),
  UpdateLayout: new UpdateLayoutRequest({ egressId: 'EG_fuzzfuzzfuzz', layout: 'grid' }),
  UpdateStream: new UpdateStreamRequest({ egressId: 'EG_fuzzfuzzfuzz', addOutputUrls: ['x'] }),
  ListEgress: new ListEgressRequest({ roomName: 'fuzz-room' }),
  StopEgress: new StopEgressRequest({ egressId: 'EG_fuzzfuzzfuzz' }),
};

const PSRPC_MESSAGES = 6000;
const TWIRP_REQUESTS = 4000;

describe('bridge fuzz', { timeout: 180_000 }, () => {
  let redis: TestRedis;
  let bridge: Bridge;
  let fake: FakeLivekitServer;
  let publisher: Redis;
  let token: string;
  const prefix = `test-${randomUUID()}`;
  const clusterId = `cluster-${randomUUID()}`;
  const ioInfoTopic = [`io-${randomUUID()}`];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    bridge = await startBridge({
      // No worker runs here: the door claims anyway and leaves the jobs queued.
      config: { ...testConfig(redis.url), clusterId, queuedStartAffinity: 0.5 },
      logger: testLogger(),
      queuePrefix: prefix,
      api: { host: '127.0.0.1', port: 0 },
      ioInfoTopic,
    });
    fake = new FakeLivekitServer({ redis: redis.url, logger: testLogger(), ioInfoTopic });
    await fake.start();
    publisher = new Redis(redis.url);
    const at = new AccessToken(TEST_API_KEY, TEST_API_SECRET, { identity: 'fuzzer', ttl: 600 });
    at.addGrant({ roomRecord: true });
    token = await at.toJwt();
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    publisher?.disconnect();
    await fake?.close();
    await bridge?.close();
    if (redis) await removeTestKeys(redis.url, prefix);
    await redis?.close();
  });

  it(`survives ${PSRPC_MESSAGES} random and mutated psrpc messages, then starts an egress`, async () => {
    const random = prng(0xb41d6e);
    const service = PSRPC_SERVICES.egressInternal;
    const method = PSRPC_METHODS.startEgress;
    const channels = [
      requestChannel(service, method, [clusterId]),
      claimResponseChannel(service, method, [clusterId]),
    ];
    const start = new RpcStartEgressRequest({
      egressId: newEgressId(),
      request: { case: 'roomComposite', value: roomRequest('fuzz-room') },
    });
    const request = (payload: Partial<PsrpcRequest>) =>
      encodeEnvelope(
        new PsrpcRequest({
          requestId: newRequestId(),
          clientId: newClientId(),
          sentAt: nowNs(),
          expiry: nowNs() + 2_000_000_000n,
          ...payload,
        }),
      );
    const seeds = [
      request({ rawRequest: start.toBinary() }),
      request({ request: Any.pack(start) }),
      request({ rawRequest: randomBytes(random, 64) }),
      request({ request: Any.pack(new StopEgressRequest({ egressId: 'EG_x' })) }),
      encodeEnvelope(new PsrpcClaimResponse({ requestId: newRequestId(), serverId: 'SRV_x' })),
      // Envelopes of the wrong kind for these channels.
      encodeEnvelope(new PsrpcClaimRequest({ requestId: 'REQ_a', serverId: 'SRV_b', affinity: 1 })),
      encodeEnvelope(new PsrpcResponse({ requestId: 'REQ_a', serverId: 'SRV_b', error: 'x' })),
    ];
    const batch: [string, Buffer][] = [];
    for (let i = 0; i < PSRPC_MESSAGES; i++) {
      const channel = channels[i % channels.length] as string;
      const seed = seeds[Math.floor(random() * seeds.length)] as Buffer;
      const roll = random();
      const message =
        roll < 0.15 ? randomBytes(random, 128) : roll < 0.25 ? seed : mutate(seed, random);
      batch.push([channel, message]);
      if (batch.length === 250 || i === PSRPC_MESSAGES - 1) {
        const pipeline = publisher.pipeline();
        for (const [c, m] of batch) pipeline.publish(c, m);
        await pipeline.exec();
        batch.length = 0;
      }
    }

    const info = await fake.startEgress(
      new RpcStartEgressRequest({
        egressId: newEgressId(),
        request: { case: 'roomComposite', value: roomRequest(`room-${randomUUID()}`) },
      }),
      { clusterId, timeoutMs: 30_000 },
    );
    assert.equal(info.status, EgressStatus.EGRESS_STARTING);
    assert.deepEqual(unhandled, []);
  });

  it(`answers ${TWIRP_REQUESTS} random and mutated twirp bodies without a 5xx, then starts an egress`, async () => {
    const random = prng(0x7e1e);
    const methods = [...EGRESS_METHODS.keys()];
    assert.deepEqual(methods.sort(), Object.keys(TWIRP_SEEDS).sort());
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const send = async (i: number): Promise<void> => {
      const name = methods[i % methods.length] as string;
      const seed = TWIRP_SEEDS[name] as (typeof TWIRP_SEEDS)[string];
      const isJson = random() < 0.5;
      const roll = random();
      let body: Uint8Array | string;
      if (roll < 0.1) body = randomBytes(random, 256);
      else if (isJson) body = mutateJson(seed.toJson() as Record<string, unknown>, random);
      else body = mutate(seed.toBinary(), random);
      const path = roll > 0.97 ? `${name}x` : name; // now and then an unknown method
      const res = await fetch(`http://127.0.0.1:${bridge.apiPort}/twirp/livekit.Egress/${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': isJson ? 'application/json' : 'application/protobuf',
          Authorization: roll > 0.95 ? `Bearer ${token.slice(0, -3)}xyz` : `Bearer ${token}`,
        },
        body,
      });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) failures.push(`${name} ${res.status} ${text}`);
    };
    let next = 0;
    const lane = async () => {
      while (next < TWIRP_REQUESTS) await send(next++);
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    assert.deepEqual(failures.slice(0, 5), [], `statuses: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(200) ?? 0) > 0, 'some mutations are still valid requests');
    assert.ok((statuses.get(400) ?? 0) > 0);

    const client = new EgressClient(
      `http://127.0.0.1:${bridge.apiPort}`,
      TEST_API_KEY,
      TEST_API_SECRET,
    );
    const info = await client.startRoomCompositeEgress(`room-${randomUUID()}`, {
      file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'f/b.mp4' }),
    });
    assert.equal(info.status, EgressStatus.EGRESS_STARTING);
    assert.deepEqual(unhandled, []);
  });
});
