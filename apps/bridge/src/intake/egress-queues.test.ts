import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type EgressRequest, encodeJobPayload } from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { EgressInfo, RoomCompositeEgressRequest } from '@livekit/protocol';
import { Redis } from 'ioredis';
import { EgressQueues, queueNameOfInfo } from './egress-queues.js';

function roomComposite(fields: Partial<RoomCompositeEgressRequest>): EgressRequest {
  return {
    case: 'roomComposite',
    value: new RoomCompositeEgressRequest({ roomName: 'r', ...fields }),
  };
}

describe('EgressQueues', { timeout: 30_000 }, () => {
  let redis: TestRedis;
  let connection: Redis;
  let queues: EgressQueues;

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    queues = new EgressQueues({ connection, prefix: `test-${randomUUID()}` });
    await queues.ready();
  });

  after(async () => {
    await Promise.all(queues?.all().map((queue) => queue.obliterate({ force: true })) ?? []);
    await queues?.close();
    connection?.disconnect();
    await redis?.close();
  });

  const cases: { name: string; request: EgressRequest; want: string }[] = [
    {
      name: 'an audio-only room composite without a template on egress-track',
      request: roomComposite({ audioOnly: true }),
      want: 'egress-track',
    },
    {
      name: 'an audio-only room composite with a layout on egress-composite',
      request: roomComposite({ audioOnly: true, layout: 'grid' }),
      want: 'egress-composite',
    },
  ];
  for (const c of cases) {
    it(`enqueues ${c.name}, named room-composite`, async () => {
      const egressId = `EG_${randomUUID().replaceAll('-', '')}`;
      const info = new EgressInfo({ egressId, request: c.request });
      await queues.add(
        encodeJobPayload({
          request: c.request,
          info,
          wsUrl: 'ws://127.0.0.1:1',
          cpuCost: 1,
          startDeadlineMs: Date.now() + 60_000,
        }),
      );
      assert.equal(queueNameOfInfo(info), c.want);
      const job = await queues.job(info);
      assert.equal(job?.queueName, c.want);
      assert.equal(job?.name, 'room-composite');
      const other = queues.all().find((queue) => queue.name !== c.want);
      assert.equal(await other?.getJob(egressId), undefined);
    });
  }
});
