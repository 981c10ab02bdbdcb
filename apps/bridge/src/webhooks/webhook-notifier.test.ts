import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger, newEgressId, QUEUE_NAMES } from '@egress/protocol';
import { RpcStartEgressRequest } from '@egress/protocol/psrpc';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import {
  EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  RoomCompositeEgressRequest,
  WebhookConfig,
} from '@livekit/protocol';
import { WebhookReceiver } from 'livekit-server-sdk';
import { type Bridge, startBridge } from '../bridge.js';
import { FakeLivekitServer } from '../psrpc/testing/fake-livekit-server.js';
import { testLogger } from '../psrpc/testing/test-logger.js';
import { removeTestKeys } from '../testing/start-test-bridge.js';
import { TEST_API_KEY, TEST_API_SECRET, testConfig } from '../testing/test-config.js';
import { TestWorker } from '../testing/test-worker.js';
import { waitForInfo } from '../testing/wait-for-info.js';
import {
  bodySha256,
  redactWebhookUrl,
  WebhookNotifier,
  webhookEventFor,
} from './webhook-notifier.js';

const S = EgressStatus;
/** A `signing_key` naming no API key the bridge knows (livekit-server sends such a hook nothing). */
const UNKNOWN_SIGNING_KEY = 'unknown-api-key-0123456789';

interface Received {
  body: string;
  auth: string;
  contentType: string;
}

/** A local webhook endpoint that records every POST; it answers 500 to the first `failFirst`. */
class TestReceiver {
  readonly received: Received[] = [];
  /** Every POST, answered or failed. */
  hits = 0;
  readonly #server: Server;
  #failuresLeft: number;
  #waiters: (() => void)[] = [];

  constructor(failFirst = 0) {
    this.#failuresLeft = failFirst;
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.hits++;
        if (this.#failuresLeft > 0) {
          this.#failuresLeft--;
          res.writeHead(500).end();
          return;
        }
        this.received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          auth: String(req.headers.authorization ?? ''),
          contentType: String(req.headers['content-type'] ?? ''),
        });
        res.writeHead(200).end();
        for (const wake of this.#waiters) wake();
      });
    });
  }

  async listen(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** Resolves once a received body satisfies `isWanted`; rejects after `timeoutMs`. */
  async waitFor(isWanted: (r: Received) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.received.some(isWanted)) {
      if (Date.now() > deadline) {
        throw new Error(`no wanted webhook in ${timeoutMs} ms; got ${this.received.length}`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
      this.#waiters = [];
    }
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Verifies every received webhook as LiveKit's SDK does and returns the events. */
async function verifyAll(receiver: TestReceiver, apiSecret: string, apiKey = TEST_API_KEY) {
  const sdk = new WebhookReceiver(apiKey, apiSecret);
  const events = [];
  for (const r of receiver.received) {
    assert.equal(r.contentType, 'application/webhook+json');
    events.push(await sdk.receive(r.body, r.auth));
  }
  return events;
}

describe('webhookEventFor', () => {
  const cases = [
    { name: 'starting is egress_started', input: S.EGRESS_STARTING, want: 'egress_started' },
    { name: 'active is egress_updated', input: S.EGRESS_ACTIVE, want: 'egress_updated' },
    { name: 'ending is egress_updated', input: S.EGRESS_ENDING, want: 'egress_updated' },
    { name: 'complete is egress_ended', input: S.EGRESS_COMPLETE, want: 'egress_ended' },
    { name: 'failed is egress_ended', input: S.EGRESS_FAILED, want: 'egress_ended' },
    { name: 'aborted is egress_ended', input: S.EGRESS_ABORTED, want: 'egress_ended' },
    {
      name: 'limit reached is egress_ended',
      input: S.EGRESS_LIMIT_REACHED,
      want: 'egress_ended',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(webhookEventFor(c.input), c.want));
  }
});

describe('redactWebhookUrl', () => {
  const cases = [
    {
      name: 'drops credentials and the query',
      input: 'https://user:pw@hooks.example.com/lk?token=abc',
      want: 'https://hooks.example.com/lk',
    },
    { name: 'logs nothing of a non-URL', input: 'not a url', want: '<invalid url>' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(redactWebhookUrl(c.input), c.want));
  }
});

describe('WebhookNotifier in a bridge driven by the test worker', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let bridge: Bridge;
  const prefix = `test-${randomUUID()}`;
  const workers: TestWorker[] = [];
  const steady = new TestReceiver();
  const flaky = new TestReceiver(2);
  const perRequest = new TestReceiver();
  const unknownKey = new TestReceiver();
  let perRequestUrl: string;
  let unknownKeyUrl: string;
  let fake: FakeLivekitServer;
  const clusterId = `cluster-${randomUUID()}`;
  const ioInfoTopic = [`io-${randomUUID()}`];

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    const urls = [await steady.listen(), await flaky.listen()];
    perRequestUrl = await perRequest.listen();
    unknownKeyUrl = await unknownKey.listen();
    const config = testConfig(redis.url);
    bridge = await startBridge({
      config: { ...config, clusterId, webhook: { apiKey: TEST_API_KEY, urls } },
      logger: testLogger(),
      queuePrefix: prefix,
      api: { host: '127.0.0.1', port: 0 },
      sweepIntervalMs: 250,
      stalledIntervalMs: 500,
      controlReplyTimeoutMs: 3000,
      ioInfoTopic,
    });
    fake = new FakeLivekitServer({ redis: redis.url, logger: testLogger(), ioInfoTopic });
    await fake.start();
    for (const queue of Object.values(QUEUE_NAMES)) {
      const worker = new TestWorker({ redisUrl: redis.url, queue, prefix });
      await worker.start();
      workers.push(worker);
    }
  });

  after(async () => {
    await fake?.close();
    await bridge?.close();
    await Promise.all(workers.map((worker) => worker.close()));
    if (bridge) await removeTestKeys(redis.url, prefix);
    await Promise.all([steady.close(), flaky.close(), perRequest.close(), unknownKey.close()]);
    await redis?.close();
  });

  let egressId = '';
  const isEnded = (r: Received) => r.body.includes('"egress_ended"') && r.body.includes(egressId);

  it('sends egress_started, egress_updated and egress_ended for an egress', async () => {
    const started = await bridge.intake.start({
      case: 'roomComposite',
      value: new RoomCompositeEgressRequest({
        roomName: `room-${randomUUID()}`,
        fileOutputs: [
          new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/a.mp4' }),
        ],
        // The unknown key's hook comes first: its events are settled before the next hook's.
        webhooks: [
          new WebhookConfig({ url: unknownKeyUrl, signingKey: UNKNOWN_SIGNING_KEY }),
          new WebhookConfig({ url: perRequestUrl, signingKey: TEST_API_KEY }),
        ],
      }),
    });
    egressId = started.egressId;
    await waitForInfo(bridge, egressId, (info) => info.status === S.EGRESS_ACTIVE);
    await bridge.service.stop(egressId);
    await waitForInfo(bridge, egressId, (info) => info.status === S.EGRESS_COMPLETE);
    await steady.waitFor(isEnded);

    const events = (await verifyAll(steady, TEST_API_SECRET)).filter(
      (e) => e.egressInfo?.egressId === egressId,
    );
    const names = events.map((e) => e.event);
    assert.equal(names[0], 'egress_started');
    assert.equal(names.at(-1), 'egress_ended');
    assert.ok(
      names.slice(1, -1).every((name) => name === 'egress_updated'),
      names.join(),
    );
    assert.deepEqual(
      events.map((e) => e.egressInfo?.status).filter((s) => s === S.EGRESS_ACTIVE).length > 0,
      true,
    );
    assert.equal(events.at(-1)?.egressInfo?.status, S.EGRESS_COMPLETE);
    for (const e of events) {
      assert.match(e.id, /^EV_/);
      assert.ok(Math.abs(Number(e.createdAt) - Date.now() / 1000) < 60, 'createdAt in seconds');
    }
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'ids are unique');
  });

  it('retries a receiver that fails twice until it gets the events', async () => {
    await flaky.waitFor(isEnded);
    const names = (await verifyAll(flaky, TEST_API_SECRET))
      .filter((e) => e.egressInfo?.egressId === egressId)
      .map((e) => e.event);
    assert.equal(names[0], 'egress_started');
    assert.equal(names.at(-1), 'egress_ended');
  });

  it('signs a request webhook with the secret of the API key its signing_key names', async () => {
    await perRequest.waitFor(isEnded);
    const events = await verifyAll(perRequest, TEST_API_SECRET);
    assert.equal(events[0]?.event, 'egress_started');
    assert.equal(events.at(-1)?.event, 'egress_ended');
    for (const e of events) {
      const hooks = e.egressInfo?.request.value?.webhooks ?? [];
      assert.deepEqual(
        hooks.map((hook) => hook.signingKey),
        ['{signing_key}', '{signing_key}'],
      );
    }
  });

  it('sends nothing to a request webhook whose signing_key names an unknown key', () => {
    assert.equal(unknownKey.hits, 0);
  });

  it('leaves the webhooks of a psrpc egress to livekit-server, as Go does', async () => {
    // livekit-server turns the IOInfo calls into egress_* webhooks to its URLs and to the
    // request's webhooks; a bridge sending them too would deliver each event twice.
    const psrpcId = newEgressId();
    await fake.startEgress(
      new RpcStartEgressRequest({
        egressId: psrpcId,
        roomId: 'RM_test',
        request: {
          case: 'roomComposite',
          value: new RoomCompositeEgressRequest({
            roomName: `room-${randomUUID()}`,
            fileOutputs: [
              new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/p.mp4' }),
            ],
            webhooks: [new WebhookConfig({ url: perRequestUrl, signingKey: 'other-api-key' })],
          }),
        },
      }),
      { clusterId },
    );
    await fake.waitForStatus(psrpcId, S.EGRESS_ACTIVE);
    await fake.stopEgress(psrpcId);
    await fake.waitForStatus(psrpcId, S.EGRESS_COMPLETE);

    // A Twirp egress started and ended after it still gets its webhooks through the same chains.
    const twirp = await bridge.intake.start({
      case: 'roomComposite',
      value: new RoomCompositeEgressRequest({
        roomName: `room-${randomUUID()}`,
        fileOutputs: [
          new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/t.mp4' }),
        ],
        webhooks: [new WebhookConfig({ url: perRequestUrl })],
      }),
    });
    await waitForInfo(bridge, twirp.egressId, (info) => info.status === S.EGRESS_ACTIVE);
    await bridge.service.stop(twirp.egressId);
    const endedOf = (id: string) => (r: Received) =>
      r.body.includes('"egress_ended"') && r.body.includes(id);
    await steady.waitFor(endedOf(twirp.egressId));
    await perRequest.waitFor(endedOf(twirp.egressId));

    for (const receiver of [steady, flaky, perRequest]) {
      assert.ok(!receiver.received.some((r) => r.body.includes(psrpcId)));
    }
    const reported = fake.ioInfoCalls.filter((c) => c.info.egressId === psrpcId);
    assert.equal(reported[0]?.method, 'CreateEgress');
    assert.equal(reported.at(-1)?.info.status, S.EGRESS_COMPLETE);
    // livekit-server signs the request's hooks with the secret of the API key `signing_key`
    // names, so IOInfo gets it as the request had it (Go sends the request unredacted).
    for (const call of reported) {
      assert.equal(call.info.request.case, 'roomComposite');
      assert.equal(call.info.request.value?.webhooks[0]?.signingKey, 'other-api-key');
    }
    const stored = await waitForInfo(bridge, psrpcId, () => true);
    assert.equal(stored.request.case, 'roomComposite');
    assert.equal(stored.request.value?.webhooks[0]?.signingKey, '{signing_key}');
  });

  it('fails verification with a wrong secret', async () => {
    const first = steady.received[0];
    assert.ok(first);
    const wrong = new WebhookReceiver(TEST_API_KEY, 'wrong-secret-wrong-secret-wrong-secret');
    await assert.rejects(wrong.receive(first.body, first.auth));
    const right = new WebhookReceiver(TEST_API_KEY, TEST_API_SECRET);
    await assert.rejects(right.receive(`${first.body} `, first.auth), /sha256/);
  });
});

describe('WebhookNotifier delivery', () => {
  it('signs with the key signing_key names, and warns of an unknown one without naming it', async () => {
    const otherKey = 'other-api-key';
    const otherSecret = 'other-api-secret-of-at-least-32-characters';
    const named = new TestReceiver();
    const unknown = new TestReceiver();
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    const notifier = new WebhookNotifier({
      apiKey: TEST_API_KEY,
      apiSecret: TEST_API_SECRET,
      secretOf: (key) => (key === otherKey ? otherSecret : undefined),
      logger: createLogger({ service: 'webhooks-test', level: 'warn', destination }),
      attempts: 1,
    });
    try {
      const info = new EgressInfo({
        egressId: 'EG_signing_keys',
        status: S.EGRESS_STARTING,
        request: {
          case: 'roomComposite',
          value: new RoomCompositeEgressRequest({
            webhooks: [
              new WebhookConfig({ url: await unknown.listen(), signingKey: UNKNOWN_SIGNING_KEY }),
              new WebhookConfig({ url: await named.listen(), signingKey: otherKey }),
            ],
          }),
        },
      });
      notifier.notify(info);
      await notifier.close();

      assert.equal(unknown.hits, 0);
      const [event] = await verifyAll(named, otherSecret, otherKey);
      assert.equal(event?.event, 'egress_started');
      // The default key does not verify it: the token names `otherKey` and uses its secret.
      const first = named.received[0];
      assert.ok(first);
      await assert.rejects(
        new WebhookReceiver(TEST_API_KEY, TEST_API_SECRET).receive(first.body, first.auth),
      );
      const warning = lines.find((line) => line.includes('names no known API key'));
      assert.ok(warning, lines.join(''));
      assert.ok(!warning.includes(UNKNOWN_SIGNING_KEY), warning);
      assert.match(warning, /"egressId":"EG_signing_keys"/);
    } finally {
      await Promise.all([named.close(), unknown.close()]);
    }
  });

  it('gives up after its attempts without throwing and signs the body hash', async () => {
    const down = new TestReceiver(10);
    const url = await down.listen();
    const notifier = new WebhookNotifier({
      apiKey: TEST_API_KEY,
      apiSecret: TEST_API_SECRET,
      urls: [url],
      logger: testLogger(),
      attempts: 2,
      backoffMs: 10,
    });
    try {
      notifier.notify(new EgressInfo({ egressId: 'EG_test', status: S.EGRESS_STARTING }));
      await notifier.close();
      assert.equal(down.received.length, 0);
      assert.equal(down.hits, 2);
    } finally {
      await down.close();
    }
    assert.equal(bodySha256('abc'), 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
  });
});
