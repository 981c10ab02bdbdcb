import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { QUEUE_NAMES } from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import {
  DirectFileOutput,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  FileOutput,
  Output,
  StartEgressRequest,
  StreamOutput,
  StreamProtocol,
  TemplateSource,
} from '@livekit/protocol';
import { EgressClient, TwirpError } from 'livekit-server-sdk';
import { removeTestKeys, startTestBridge, type TestBridge } from './testing/start-test-bridge.js';
import { TEST_API_KEY, TEST_API_SECRET } from './testing/test-config.js';
import { TestWorker } from './testing/test-worker.js';
import { waitForInfo } from './testing/wait-for-info.js';

const S = EgressStatus;

function mp4(): EncodedFileOutput {
  return new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/{room_name}.mp4' });
}

async function rejectsWith(promise: Promise<unknown>, status: number, code: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TwirpError, `expected a TwirpError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    return true;
  });
}

describe('startBridge with livekit-server-sdk EgressClient', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let test: TestBridge;
  let client: EgressClient;
  const workers: TestWorker[] = [];

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    test = await startTestBridge(redis.url);
    for (const queue of Object.values(QUEUE_NAMES)) {
      const worker = new TestWorker({ redisUrl: redis.url, queue, prefix: test.prefix });
      await worker.start();
      workers.push(worker);
    }
    client = new EgressClient(test.url, TEST_API_KEY, TEST_API_SECRET);
  });

  after(async () => {
    await test?.close();
    await Promise.all(workers.map((worker) => worker.close()));
    if (test) await removeTestKeys(redis.url, test.prefix);
    await redis?.close();
  });

  const room = () => `room-${randomUUID()}`;
  const active = (info: { status: EgressStatus }) => info.status === S.EGRESS_ACTIVE;
  const complete = (info: { status: EgressStatus }) => info.status === S.EGRESS_COMPLETE;

  it('starts a room composite egress, lists it, stops it and sees it complete', async () => {
    const roomName = room();
    const started = await client.startRoomCompositeEgress(roomName, { file: mp4() });
    assert.equal(started.status, S.EGRESS_STARTING);
    assert.match(started.egressId, /^EG_/);
    assert.equal(started.roomName, roomName);
    await waitForInfo(test.bridge, started.egressId, active);

    const byRoom = await client.listEgress({ roomName });
    assert.deepEqual(
      byRoom.map((info) => info.egressId),
      [started.egressId],
    );
    const byId = await client.listEgress({ egressId: started.egressId });
    assert.equal(byId[0]?.status, S.EGRESS_ACTIVE);
    const activeOnly = await client.listEgress({ roomName, active: true });
    assert.equal(activeOnly.length, 1);

    const stopped = await client.stopEgress(started.egressId);
    assert.equal(stopped.status, S.EGRESS_ENDING);
    assert.equal(stopped.details, 'End reason: StopEgress API');
    const ended = await waitForInfo(test.bridge, started.egressId, complete);
    assert.notEqual(ended.endedAt, 0n);
    assert.deepEqual(await client.listEgress({ roomName, active: true }), []);
    assert.equal((await client.listEgress({ roomName }))[0]?.status, S.EGRESS_COMPLETE);
  });

  const starts: { name: string; start: () => Promise<{ egressId: string; status: number }> }[] = [
    {
      name: 'StartWebEgress',
      start: () => client.startWebEgress('https://example.com/', { file: mp4() }),
    },
    {
      name: 'StartParticipantEgress',
      start: () => client.startParticipantEgress(room(), 'alice', { file: mp4() }),
    },
    {
      name: 'StartTrackCompositeEgress',
      start: () =>
        client.startTrackCompositeEgress(room(), { file: mp4() }, { audioTrackId: 'TR_audio' }),
    },
    {
      name: 'StartTrackEgress',
      start: () =>
        client.startTrackEgress(
          room(),
          new DirectFileOutput({ filepath: 'rec/track.ogg' }),
          'TR_track',
        ),
    },
    {
      name: 'StartEgress (v2)',
      start: () =>
        client.startEgress(
          new StartEgressRequest({
            roomName: room(),
            source: { case: 'template', value: new TemplateSource({ layout: 'grid' }) },
            outputs: [
              new Output({
                config: { case: 'file', value: new FileOutput({ filepath: 'rec/v2.mp4' }) },
              }),
            ],
          }),
        ),
    },
  ];
  for (const c of starts) {
    it(`answers ${c.name} with a STARTING egress that a worker then runs and stops`, async () => {
      const started = await c.start();
      assert.equal(started.status, S.EGRESS_STARTING);
      await waitForInfo(test.bridge, started.egressId, active);
      assert.equal((await client.stopEgress(started.egressId)).status, S.EGRESS_ENDING);
      await waitForInfo(test.bridge, started.egressId, complete);
    });
  }

  it('adds and removes stream urls of a running egress through its worker', async () => {
    const stream = new StreamOutput({
      protocol: StreamProtocol.RTMP,
      urls: ['rtmp://a.example.com/live/first-key'],
    });
    const started = await client.startRoomCompositeEgress(room(), { stream });
    await waitForInfo(test.bridge, started.egressId, active);
    const updated = await client.updateStream(
      started.egressId,
      ['rtmp://b.example.com/live/second-key'],
      ['rtmp://a.example.com/live/first-key'],
    );
    assert.equal(updated.streamResults.length, 2);
    assert.ok(
      updated.streamResults.every((s) => !/first-key|second-key/.test(s.url)),
      'stream keys are redacted',
    );
    const stored = await waitForInfo(
      test.bridge,
      started.egressId,
      (info) => info.streamResults.length === 2,
    );
    assert.equal(stored.streamResults.length, 2);
    await client.stopEgress(started.egressId);
  });

  it('switches the layout of a running room composite through its worker', async () => {
    const started = await client.startRoomCompositeEgress(room(), { file: mp4() });
    await waitForInfo(test.bridge, started.egressId, active);
    const updated = await client.updateLayout(started.egressId, 'speaker-dark');
    assert.equal(updated.request.case, 'roomComposite');
    assert.equal(updated.request.value?.layout, 'speaker-dark');
    await client.stopEgress(started.egressId);
  });

  it('refuses to stop an egress that has ended, as livekit-server does', async () => {
    const started = await client.startRoomCompositeEgress(room(), { file: mp4() });
    await waitForInfo(test.bridge, started.egressId, active);
    await client.stopEgress(started.egressId);
    await waitForInfo(test.bridge, started.egressId, complete);
    await rejectsWith(client.stopEgress(started.egressId), 412, 'failed_precondition');
    await rejectsWith(
      client.updateStream(started.egressId, ['rtmp://c.example.com/live/x']),
      412,
      'failed_precondition',
    );
  });

  it('answers not_found "egress not found" for an unknown id', async () => {
    await assert.rejects(client.stopEgress('EG_unknown12345'), (err: unknown) => {
      assert.ok(err instanceof TwirpError);
      assert.equal(err.status, 404);
      assert.equal(err.code, 'not_found');
      assert.equal(err.message, 'egress not found');
      return true;
    });
    await rejectsWith(client.listEgress({ egressId: 'EG_unknown12345' }), 404, 'not_found');
  });

  it('answers invalid_argument with the rule for a request that breaks one', async () => {
    await rejectsWith(
      client.startRoomCompositeEgress('', { file: mp4() }),
      400,
      'invalid_argument',
    );
  });
});

describe('startBridge with disallow_local_storage', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let test: TestBridge;
  let client: EgressClient;

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    test = await startTestBridge(redis.url, { extraYaml: 'disallow_local_storage: true' });
    client = new EgressClient(test.url, TEST_API_KEY, TEST_API_SECRET);
  });

  after(async () => {
    await test?.close();
    if (test) await removeTestKeys(redis.url, test.prefix);
    await redis?.close();
  });

  it('refuses a file output without storage at the door, as Go', async () => {
    await assert.rejects(
      client.startRoomCompositeEgress(`room-${randomUUID()}`, { file: mp4() }),
      (err: unknown) => {
        assert.ok(err instanceof TwirpError);
        assert.equal(err.code, 'invalid_argument');
        assert.match(err.message, /^file output: names no storage and disallow_local_storage/);
        return true;
      },
    );
  });

  it('takes a stream output, which is stored nowhere', async () => {
    const info = await client.startRoomCompositeEgress(`room-${randomUUID()}`, {
      stream: new StreamOutput({
        protocol: StreamProtocol.RTMP,
        urls: ['rtmp://127.0.0.1:1935/live/key'],
      }),
    });
    // No worker runs here: the job stays queued until removeTestKeys clears the prefix.
    assert.equal(info.status, S.EGRESS_STARTING);
  });
});
