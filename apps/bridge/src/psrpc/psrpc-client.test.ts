import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Empty } from '@bufbuild/protobuf';
import {
  claimRequestChannel,
  claimResponseChannel,
  decodeEnvelope,
  encodeEnvelope,
  PsrpcClaimRequest,
  PsrpcClaimResponse,
  PsrpcRequest,
  PsrpcResponse,
  RpcListActiveEgressRequest,
  RpcListActiveEgressResponse,
  RpcStartEgressRequest,
  requestChannel,
  responseChannel,
} from '@egress/protocol/psrpc';
import { EgressInfo, EgressStatus, StopEgressRequest } from '@livekit/protocol';
import { goldenEgressInfo } from './testing/golden-egress-info.js';
import { psrpcTestRig, serveStartEgress, uniqueTopic } from './testing/psrpc-test-rig.js';

// psrpc-wire.md §8 V5: the UpdateEgress argument (ACTIVE EgressInfo).
const V5_PAYLOAD =
  '0a0745475f746573741207524d5f746573741801222e0a076d792d726f6f6d1207737065616b65725a1a080112167265636f7264696e67732f45475f746573742e6d70345080ca9ddea0ca9cc3186a076d792d726f6f6d8201180a167265636f7264696e67732f45475f746573742e6d7034900180e4ffbfb1ca9cc318';

/** V5's EgressInfo: V4's, now active. */
function v5Info(): EgressInfo {
  return goldenEgressInfo({
    status: EgressStatus.EGRESS_ACTIVE,
    updatedAt: 1767225605000000000n,
  });
}

describe('PsrpcClient', () => {
  const rig = psrpcTestRig();
  const { newClient, newServer } = rig;

  it('delivers IOInfo CreateEgress and UpdateEgress to the fake livekit-server', async () => {
    const topic = uniqueTopic();
    const fake = await rig.newFake({ ioInfoTopic: [topic] });
    const client = await newClient('IOInfo');
    const egressId = `EG_${topic}`;
    for (const [method, status] of [
      ['CreateEgress', EgressStatus.EGRESS_STARTING],
      ['UpdateEgress', EgressStatus.EGRESS_ACTIVE],
    ] as const) {
      const result = await client.call({
        method,
        topic: [topic],
        request: new EgressInfo({ egressId, status }),
        responseType: Empty,
        timeoutMs: 3000,
      });
      assert.ok(result instanceof Empty);
    }
    assert.deepEqual(
      fake.ioInfoCalls.map((c) => [c.method, c.info.status]),
      [
        ['CreateEgress', EgressStatus.EGRESS_STARTING],
        ['UpdateEgress', EgressStatus.EGRESS_ACTIVE],
      ],
    );
    assert.equal(fake.egressInfo(egressId)?.status, EgressStatus.EGRESS_ACTIVE);
  });

  it('publishes byte-exact request and claim response envelopes for UpdateEgress', async () => {
    const topic = uniqueTopic();
    const client = await newClient('IOInfo', 'CLI_egressbridge');
    const tap = await rig.newTap();
    const reqChannel = requestChannel('IOInfo', 'UpdateEgress', [topic]);
    const rclaimChannel = claimResponseChannel('IOInfo', 'UpdateEgress', [topic]);
    await tap.tap(reqChannel, rclaimChannel);
    const call = client.call({
      method: 'UpdateEgress',
      topic: [topic],
      request: v5Info(),
      responseType: Empty,
      timeoutMs: 30_000,
    });

    const published = await tap.next(reqChannel);
    const envelope = decodeEnvelope(published.payload);
    assert.ok(envelope?.message instanceof PsrpcRequest);
    const request = envelope.message;
    assert.equal(request.clientId, 'CLI_egressbridge');
    assert.match(request.requestId, /^REQ_[A-Za-z0-9]{12}$/);
    assert.equal(request.expiry - request.sentAt, 30_000_000_000n);
    assert.equal(request.multi, false);
    assert.equal(Buffer.from(request.rawRequest).toString('hex'), V5_PAYLOAD);
    // V5 step 1 with this call's ids and times.
    const expectedRequest = encodeEnvelope(
      new PsrpcRequest({
        requestId: request.requestId,
        clientId: 'CLI_egressbridge',
        sentAt: request.sentAt,
        expiry: request.expiry,
        rawRequest: Buffer.from(V5_PAYLOAD, 'hex'),
      }),
    );
    assert.equal(published.payload.toString('hex'), expectedRequest.toString('hex'));

    // V5 steps 3 to 5, played by the tap as livekit-server.
    await tap.publish(
      claimRequestChannel('IOInfo', 'CLI_egressbridge'),
      encodeEnvelope(
        new PsrpcClaimRequest({
          requestId: request.requestId,
          serverId: 'SRV_lkioserver01',
          affinity: 1,
        }),
      ),
    );
    const claimResponse = await tap.next(rclaimChannel);
    assert.equal(
      claimResponse.payload.toString('hex'),
      encodeEnvelope(
        new PsrpcClaimResponse({ requestId: request.requestId, serverId: 'SRV_lkioserver01' }),
      ).toString('hex'),
    );
    await tap.publish(
      responseChannel('IOInfo', 'CLI_egressbridge'),
      encodeEnvelope(
        new PsrpcResponse({
          requestId: request.requestId,
          serverId: 'SRV_lkioserver01',
          sentAt: 1767225605010000000n,
        }),
      ),
    );
    assert.ok((await call) instanceof Empty);
  });

  it('times out with request timed out when the picked server never answers', async () => {
    const topic = uniqueTopic();
    const server = await newServer('EgressHandler');
    await server.registerQueueMethod({
      method: 'StopEgress',
      topic: [topic],
      requestType: StopEgressRequest,
      handler: async (_request, context) => {
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        await new Promise((resolve) => setTimeout(resolve, 300));
        return new EgressInfo();
      },
    });
    const client = await newClient('EgressHandler');
    await assert.rejects(
      client.call({
        method: 'StopEgress',
        topic: [topic],
        request: new StopEgressRequest({ egressId: topic }),
        responseType: EgressInfo,
        timeoutMs: 300,
      }),
      { code: 'deadline_exceeded', message: 'request timed out' },
    );
  });

  it('never picks an affinity of 0: no servers available (received 1 responses)', async () => {
    const clusterId = uniqueTopic();
    const server = await newServer('EgressInternal');
    await serveStartEgress(server, {
      clusterId,
      affinity: () => 0,
      handler: async () => new EgressInfo(),
    });
    const client = await newClient('EgressInternal');
    await assert.rejects(
      client.call({
        method: 'StartEgress',
        topic: [clusterId],
        request: new RpcStartEgressRequest({ egressId: 'EG_zero' }),
        responseType: EgressInfo,
        timeoutMs: 2000,
        selection: { maximumAffinity: 1, affinityTimeoutMs: 300, shortCircuitMs: 100 },
      }),
      { code: 'unavailable', message: 'no servers available (received 1 responses)' },
    );
  });

  it('times out when the call ends while a claim is still being weighed', async () => {
    const clusterId = uniqueTopic();
    const server = await newServer('EgressInternal');
    let handled = 0;
    await serveStartEgress(server, {
      clusterId,
      affinity: () => 0.5,
      handler: async () => {
        handled++;
        return new EgressInfo();
      },
    });
    const client = await newClient('EgressInternal');
    await assert.rejects(
      client.call({
        method: 'StartEgress',
        topic: [clusterId],
        request: new RpcStartEgressRequest({ egressId: 'EG_slow_pick' }),
        responseType: EgressInfo,
        timeoutMs: 300,
        selection: { maximumAffinity: 1, shortCircuitMs: 5000 },
      }),
      { code: 'deadline_exceeded', message: 'request timed out' },
    );
    assert.equal(handled, 0);
  });

  it('returns an empty list from a multi call nobody serves', async () => {
    const client = await newClient('EgressInternal');
    const results = await client.multiCall({
      method: 'ListActiveEgress',
      topic: [uniqueTopic()],
      request: new RpcListActiveEgressRequest(),
      responseType: RpcListActiveEgressResponse,
      timeoutMs: 200,
    });
    assert.deepEqual(results, []);
  });

  it('fails calls in flight with unavailable when closed, and refuses new ones', async () => {
    const client = await newClient('EgressHandler');
    const call = client.call({
      method: 'StopEgress',
      topic: [uniqueTopic()],
      request: new StopEgressRequest({ egressId: 'EG_closed' }),
      responseType: EgressInfo,
      timeoutMs: 10_000,
    });
    const rejected = assert.rejects(call, { code: 'unavailable', message: 'psrpc client closed' });
    await client.close();
    await rejected;
    await assert.rejects(
      client.call({
        method: 'StopEgress',
        request: new StopEgressRequest(),
        responseType: EgressInfo,
        timeoutMs: 100,
      }),
      { code: 'failed_precondition' },
    );
  });
});
