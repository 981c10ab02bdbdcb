import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  claimRequestChannel,
  encodeEnvelope,
  PsrpcClaimRequest,
  PsrpcRequest,
  PsrpcResponse,
  QUEUE_LOCK_TTL_SEC,
  queueLockKey,
  requestChannel,
  responseChannel,
} from '@egress/protocol/psrpc';
import { psrpcTestRig, uniqueId } from './testing/psrpc-test-rig.js';

/** Collects what a subscription receives and lets a test await the n-th one. */
function collector<T>() {
  const items: T[] = [];
  const waiters = new Set<() => void>();
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const wake of [...waiters]) wake();
    },
    async next(count: number, timeoutMs = 5000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs;
      while (items.length < count) {
        const leftMs = deadline - Date.now();
        if (leftMs <= 0) throw new Error(`got ${items.length} of ${count} messages`);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, leftMs);
          waiters.add(done);
        });
      }
      return items;
    },
  };
}

describe('PsrpcBus', () => {
  const { newBus, newTap } = psrpcTestRig();

  it('delivers a message published right after subscribe resolves', async () => {
    const bus = await newBus();
    const channel = responseChannel('IOInfo', `CLI_${uniqueId()}`);
    const got = collector<PsrpcResponse>();
    await bus.subscribe({ channel, kind: 'response', onMessage: (m) => got.push(m) });
    await bus.publish(channel, new PsrpcResponse({ requestId: 'REQ_first', serverId: 'SRV_a' }));
    const [message] = await got.next(1);
    assert.equal(message?.requestId, 'REQ_first');
    assert.equal(message?.serverId, 'SRV_a');
  });

  it('drops garbage and messages of the wrong type, and keeps delivering', async () => {
    const bus = await newBus();
    const tap = await newTap();
    const channel = claimRequestChannel('EgressInternal', `CLI_${uniqueId()}`);
    const got = collector<PsrpcClaimRequest>();
    await bus.subscribe({ channel, kind: 'claimRequest', onMessage: (m) => got.push(m) });
    const cases = [
      { name: 'text', payload: Buffer.from('hello') },
      { name: 'truncated varint', payload: Buffer.from([0x0a, 0xff]) },
      { name: 'empty', payload: Buffer.alloc(0) },
      { name: 'a response on a CLAIM channel', payload: encodeEnvelope(new PsrpcResponse()) },
      { name: 'a request on a CLAIM channel', payload: encodeEnvelope(new PsrpcRequest()) },
    ];
    for (const c of cases) await tap.publish(channel, c.payload);
    const valid = new PsrpcClaimRequest({ requestId: 'REQ_ok', serverId: 'SRV_b', affinity: 0.5 });
    await tap.publish(channel, encodeEnvelope(valid));
    const items = await got.next(1);
    assert.equal(items.length, 1);
    assert.ok(PsrpcClaimRequest.equals(items[0], valid));
  });

  it('refuses to publish a message of the wrong type for the channel', async () => {
    const bus = await newBus();
    const cases = [
      { channel: claimRequestChannel('EgressInternal', 'CLI_x'), message: new PsrpcResponse() },
      { channel: responseChannel('EgressInternal', 'CLI_x'), message: new PsrpcClaimRequest() },
      { channel: requestChannel('EgressInternal', 'StartEgress'), message: new PsrpcResponse() },
      { channel: 'not-a-psrpc-channel', message: new PsrpcRequest() },
    ];
    for (const c of cases) {
      await assert.rejects(bus.publish(c.channel, c.message), { code: 'internal' });
    }
  });

  it('refuses to subscribe with a kind the channel does not carry', async () => {
    const bus = await newBus();
    await assert.rejects(
      bus.subscribe({
        channel: responseChannel('IOInfo', 'CLI_x'),
        kind: 'request',
        onMessage: () => {},
      }),
      { code: 'internal' },
    );
  });

  it('hands a queue message to one receiver and leaves a lock key that expires in 5 s', async () => {
    const channel = requestChannel('EgressHandler', 'StopEgress', [`EG_${uniqueId()}`]);
    const got = collector<string>();
    for (const name of ['a', 'b', 'c']) {
      const bus = await newBus();
      await bus.subscribe({
        channel,
        kind: 'request',
        isQueue: true,
        onMessage: (m) => got.push(`${name}:${m.requestId}`),
      });
    }
    // A plain subscriber on the same channel, to know when every receiver has seen all of them.
    const sentinel = collector<string>();
    const watcher = await newBus();
    await watcher.subscribe({
      channel,
      kind: 'request',
      onMessage: (m) => sentinel.push(m.requestId),
    });
    const tap = await newTap();
    // Unique payloads: a shared Redis may still hold the lock keys of an earlier run.
    const ids = [1, 2, 3, 4].map((n) => `REQ_${n}_${uniqueId()}`);
    for (const requestId of ids) {
      await tap.publish(channel, encodeEnvelope(new PsrpcRequest({ requestId })));
    }
    await sentinel.next(ids.length);
    await got.next(ids.length);
    // Give a second winner, if there were one, the time to show up.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lockKey = queueLockKey(encodeEnvelope(new PsrpcRequest({ requestId: ids[0] })));
    const ttl = await tap.redis.ttl(lockKey);
    assert.ok(ttl > 0 && ttl <= QUEUE_LOCK_TTL_SEC, `ttl ${ttl}`);
    assert.deepEqual(got.items.map((i) => i.split(':')[1]).sort(), [...ids].sort());
  });

  it('stops delivering to an unsubscribed listener while another on the channel goes on', async () => {
    const bus = await newBus();
    const channel = responseChannel('IOInfo', `CLI_${uniqueId()}`);
    const first = collector<string>();
    const second = collector<string>();
    const subscription = await bus.subscribe({
      channel,
      kind: 'response',
      onMessage: (m) => first.push(m.requestId),
    });
    await bus.subscribe({ channel, kind: 'response', onMessage: (m) => second.push(m.requestId) });
    await bus.publish(channel, new PsrpcResponse({ requestId: 'REQ_1' }));
    await first.next(1);
    await subscription.unsubscribe();
    await subscription.unsubscribe();
    await bus.publish(channel, new PsrpcResponse({ requestId: 'REQ_2' }));
    assert.deepEqual(await second.next(2), ['REQ_1', 'REQ_2']);
    assert.deepEqual(first.items, ['REQ_1']);
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const bus = await newBus();
    const closing = bus.close();
    assert.equal(bus.close(), closing);
    await closing;
    await assert.rejects(bus.publish(responseChannel('IOInfo', 'CLI_x'), new PsrpcResponse()), {
      code: 'failed_precondition',
    });
  });
});
