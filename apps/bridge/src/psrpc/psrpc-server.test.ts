import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { EgressError, GO_MESSAGES } from '@egress/protocol';
import {
  claimRequestChannel,
  claimResponseChannel,
  decodeEnvelope,
  encodeEnvelope,
  nowNs,
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
import {
  EgressInfo,
  EgressStatus,
  StopEgressRequest,
  UpdateStreamRequest,
} from '@livekit/protocol';
import { type FakeLivekitServer, START_EGRESS_SELECTION } from './testing/fake-livekit-server.js';
import { goldenEgressInfo, goldenRoomComposite } from './testing/golden-egress-info.js';
import { psrpcTestRig, serveStartEgress, uniqueTopic } from './testing/psrpc-test-rig.js';

// psrpc-wire.md §8, V1-V4.
const GOLDEN = {
  startPayload:
    '0a0745475f746573741a07524d5f746573742a2e0a076d792d726f6f6d1207737065616b65725a1a080112167265636f7264696e67732f45475f746573742e6d7034',
  startPublished:
    '0a24747970652e676f6f676c65617069732e636f6d2f696e7465726e616c2e52657175657374127c0a105245515f7374617274656772657373311210434c495f6c6b73657276657230303031188080e8ef9eca9cc3182080c89790c4ca9cc31842420a0745475f746573741a07524d5f746573742a2e0a076d792d726f6f6d1207737065616b65725a1a080112167265636f7264696e67732f45475f746573742e6d7034',
  claimPublished:
    '0a29747970652e676f6f676c65617069732e636f6d2f696e7465726e616c2e436c61696d5265717565737412290a105245515f73746172746567726573733112105352565f6567726573736e6f646530311d0000803f',
  claimResponsePublished:
    '0a2a747970652e676f6f676c65617069732e636f6d2f696e7465726e616c2e436c61696d526573706f6e736512240a105245515f73746172746567726573733112105352565f6567726573736e6f64653031',
  infoPayload:
    '0a0745475f746573741207524d5f74657374222e0a076d792d726f6f6d1207737065616b65725a1a080112167265636f7264696e67732f45475f746573742e6d70345080ca9ddea0ca9cc3186a076d792d726f6f6d8201180a167265636f7264696e67732f45475f746573742e6d7034900180ca9ddea0ca9cc318',
  errorPublished:
    '0a25747970652e676f6f676c65617069732e636f6d2f696e7465726e616c2e526573706f6e7365124b0a105245515f73746172746567726573733112105352565f6567726573736e6f6465303118808cf58da1ca9cc3182a0e6e6f7420656e6f75676820435055320b756e617661696c61626c65',
} as const;

const SERVICE = 'EgressInternal';

/** V1's StartEgress argument under another egress id. */
function startRequest(egressId: string): RpcStartEgressRequest {
  return new RpcStartEgressRequest({
    egressId,
    roomId: 'RM_test',
    request: { case: 'roomComposite', value: goldenRoomComposite() },
  });
}

function infoFor(request: RpcStartEgressRequest, details = ''): EgressInfo {
  return new EgressInfo({ egressId: request.egressId, roomId: request.roomId, details });
}

describe('PsrpcServer', () => {
  const rig = psrpcTestRig();
  const newServer = (serverId?: string) => rig.newServer(SERVICE, serverId);
  const newFake = () => rig.newFake({ isServingIoInfo: false });

  async function startEgressServer(
    clusterId: string,
    affinity: number | (() => Promise<number>),
    details = '',
  ): Promise<{ calls: RpcStartEgressRequest[] }> {
    const calls: RpcStartEgressRequest[] = [];
    await serveStartEgress(await newServer(), {
      clusterId,
      affinity: typeof affinity === 'number' ? () => affinity : affinity,
      handler: async (request) => {
        calls.push(request);
        return infoFor(request, details);
      },
    });
    return { calls };
  }

  /** A server that claims every StartEgress and then fails it for want of CPU. */
  async function startCpuStarvedServer(clusterId: string, serverId?: string): Promise<void> {
    await serveStartEgress(await newServer(serverId), {
      clusterId,
      handler: async () => {
        throw EgressError.unavailable(GO_MESSAGES.notEnoughCpu);
      },
    });
  }

  it('answers StartEgress with claim, claim response and one response', async () => {
    const clusterId = uniqueTopic();
    const { calls } = await startEgressServer(clusterId, 0.5);
    const fake = await newFake();
    const request = startRequest('EG_roundtrip');
    const info = await fake.startEgress(request, { clusterId });
    assert.equal(info.egressId, 'EG_roundtrip');
    assert.equal(info.roomId, 'RM_test');
    assert.equal(calls.length, 1);
    assert.ok(RpcStartEgressRequest.equals(calls[0], request));
  });

  it('sends no claim for affinity -1, so the caller gets no response from servers', async () => {
    const clusterId = uniqueTopic();
    const { calls } = await startEgressServer(clusterId, -1);
    const fake = await newFake();
    await assert.rejects(fake.startEgress(startRequest('EG_noclaim'), { clusterId }), {
      code: 'unavailable',
      message: 'no response from servers',
    });
    assert.equal(calls.length, 0);
  });

  it('sends the handler error back with its code and message', async () => {
    const clusterId = uniqueTopic();
    await startCpuStarvedServer(clusterId);
    const fake = await newFake();
    await assert.rejects(fake.startEgress(startRequest('EG_cpu'), { clusterId }), {
      code: 'unavailable',
      message: 'not enough CPU',
    });
  });

  /** A tap on the claims that reach `fake`'s StartEgress client, to order claims by event. */
  async function tapClaims(fake: FakeLivekitServer) {
    const tap = await rig.newTap();
    const channel = claimRequestChannel(SERVICE, fake.internalClientId);
    await tap.tap(channel);
    return { afterClaim: (count: number) => tap.next(channel, count).then(() => undefined) };
  }

  it('lets the server with affinity 1 win over one with 0.5 that claimed first', async () => {
    const clusterId = uniqueTopic();
    const fake = await newFake();
    const claims = await tapClaims(fake);
    const half = await startEgressServer(clusterId, 0.5, 'half');
    // claims once the 0.5 claim has reached the caller, inside its 500 ms short circuit
    const full = await startEgressServer(
      clusterId,
      () => claims.afterClaim(1).then(() => 1),
      'full',
    );
    const info = await fake.startEgress(startRequest('EG_affinity'), { clusterId });
    assert.equal(info.details, 'full');
    assert.equal(full.calls.length, 1);
    assert.equal(half.calls.length, 0);
  });

  it('ends selection by the short circuit after the first claim, taking the best claim so far', async () => {
    const clusterId = uniqueTopic();
    const fake = await newFake();
    const claims = await tapClaims(fake);
    let answered = (): void => {};
    const isAnswered = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const low = await startEgressServer(clusterId, 0.3, 'low');
    // right after the first claim, inside the short circuit
    const better = await startEgressServer(
      clusterId,
      () => claims.afterClaim(1).then(() => 0.6),
      'better',
    );
    // Would win on affinity, but claims only once the call is answered.
    const late = await startEgressServer(clusterId, () => isAnswered.then(() => 0.9), 'late');
    // An affinity timeout that outlasts the call's own: only the short circuit can end selection
    // before late claims, so a broken short circuit fails the call instead of picking late.
    const info = await fake
      .startEgress(startRequest('EG_short'), {
        clusterId,
        selection: { ...START_EGRESS_SELECTION, affinityTimeoutMs: 60_000 },
      })
      .finally(answered);
    assert.equal(info.details, 'better');
    assert.equal(better.calls.length, 1);
    assert.equal(low.calls.length + late.calls.length, 0);
  });

  it('drops an expired request and keeps serving', async () => {
    const clusterId = uniqueTopic();
    const { calls } = await startEgressServer(clusterId, 1);
    const tap = await rig.newTap();
    await tap.tap(claimRequestChannel(SERVICE, 'CLI_lkserver0001'));
    // The golden V1 request expired on 2026-01-01.
    await tap.publish(
      requestChannel(SERVICE, 'StartEgress', [clusterId]),
      Buffer.from(GOLDEN.startPublished, 'hex'),
    );
    const fake = await newFake();
    // Published after the expired one on the same channel, so handled after it.
    await fake.startEgress(startRequest('EG_fresh'), { clusterId });
    assert.deepEqual(
      calls.map((c) => c.egressId),
      ['EG_fresh'],
    );
    assert.equal(tap.seen(claimRequestChannel(SERVICE, 'CLI_lkserver0001')).length, 0);
  });

  it('survives garbage and messages of the wrong type on its channels', async () => {
    const clusterId = uniqueTopic();
    const { calls } = await startEgressServer(clusterId, 1);
    const tap = await rig.newTap();
    const reqChannel = requestChannel(SERVICE, 'StartEgress', [clusterId]);
    const rclaimChannel = claimResponseChannel(SERVICE, 'StartEgress', [clusterId]);
    const wrongTyped = encodeEnvelope(
      new PsrpcClaimRequest({ requestId: 'REQ_x', serverId: 'SRV_x', affinity: 1 }),
    );
    const cases = [
      { channel: reqChannel, payload: Buffer.from('not protobuf at all') },
      { channel: reqChannel, payload: Buffer.from([0xff, 0xff, 0xff, 0x0f]) },
      { channel: reqChannel, payload: Buffer.alloc(0) },
      { channel: reqChannel, payload: wrongTyped },
      { channel: rclaimChannel, payload: encodeEnvelope(new PsrpcResponse({ requestId: 'x' })) },
      { channel: rclaimChannel, payload: Buffer.from([0x0a, 0x05, 0x01]) },
    ];
    for (const c of cases) await tap.publish(c.channel, c.payload);
    const fake = await newFake();
    const info = await fake.startEgress(startRequest('EG_after_garbage'), { clusterId });
    assert.equal(info.egressId, 'EG_after_garbage');
    assert.equal(calls.length, 1);
  });

  it('answers an undecodable raw_request with malformed_request and no claim', async () => {
    const clusterId = uniqueTopic();
    const { calls } = await startEgressServer(clusterId, 1);
    const tap = await rig.newTap();
    const clientId = `CLI_${randomUUID().slice(0, 12).replaceAll('-', 'x')}`;
    await tap.tap(claimRequestChannel(SERVICE, clientId), responseChannel(SERVICE, clientId));
    const sentAt = nowNs();
    const request = new PsrpcRequest({
      requestId: 'REQ_malformed01',
      clientId,
      sentAt,
      expiry: sentAt + 5_000_000_000n,
      // Field 1 (egress_id) as a string with invalid UTF-8.
      rawRequest: new Uint8Array([0x0a, 0x02, 0xc3, 0x28]),
    });
    await tap.publish(requestChannel(SERVICE, 'StartEgress', [clusterId]), encodeEnvelope(request));
    const response = await tap.next(responseChannel(SERVICE, clientId));
    const envelope = decodeEnvelope(response.payload);
    assert.equal(envelope?.kind, 'response');
    assert.ok(envelope?.message instanceof PsrpcResponse);
    assert.equal(envelope.message.requestId, 'REQ_malformed01');
    assert.equal(envelope.message.code, 'malformed_request');
    assert.notEqual(envelope.message.error, '');
    assert.equal(tap.seen(claimRequestChannel(SERVICE, clientId)).length, 0);
    assert.equal(calls.length, 0);
  });

  it('publishes byte-exact claim and response envelopes for a known request', async () => {
    const clusterId = uniqueTopic();
    const server = await newServer('SRV_egressnode01');
    const seenArguments: string[] = [];
    await serveStartEgress(server, {
      clusterId,
      handler: async (request) => {
        seenArguments.push(Buffer.from(request.toBinary()).toString('hex'));
        return goldenEgressInfo();
      },
    });
    const tap = await rig.newTap();
    const claimChannel = claimRequestChannel(SERVICE, 'CLI_lkserver0001');
    const resChannel = responseChannel(SERVICE, 'CLI_lkserver0001');
    await tap.tap(claimChannel, resChannel);
    // V1 with a fresh expiry.
    const sentAt = nowNs();
    const request = new PsrpcRequest({
      requestId: 'REQ_startegress1',
      clientId: 'CLI_lkserver0001',
      sentAt,
      expiry: sentAt + 10_000_000_000n,
      rawRequest: Buffer.from(GOLDEN.startPayload, 'hex'),
    });
    await tap.publish(requestChannel(SERVICE, 'StartEgress', [clusterId]), encodeEnvelope(request));

    const claim = await tap.next(claimChannel);
    assert.equal(claim.payload.toString('hex'), GOLDEN.claimPublished);
    await tap.publish(
      claimResponseChannel(SERVICE, 'StartEgress', [clusterId]),
      Buffer.from(GOLDEN.claimResponsePublished, 'hex'),
    );
    const response = await tap.next(resChannel);
    const envelope = decodeEnvelope(response.payload);
    assert.ok(envelope?.message instanceof PsrpcResponse);
    const decoded = envelope.message;
    assert.equal(decoded.requestId, 'REQ_startegress1');
    assert.equal(decoded.serverId, 'SRV_egressnode01');
    assert.equal(decoded.error, '');
    assert.equal(decoded.code, '');
    assert.equal(Buffer.from(decoded.rawResponse).toString('hex'), GOLDEN.infoPayload);
    assert.ok(decoded.sentAt >= sentAt);
    // Byte for byte what V4 would be with this sent_at.
    const expected = encodeEnvelope(
      new PsrpcResponse({
        requestId: 'REQ_startegress1',
        serverId: 'SRV_egressnode01',
        sentAt: decoded.sentAt,
        rawResponse: Buffer.from(GOLDEN.infoPayload, 'hex'),
      }),
    );
    assert.equal(response.payload.toString('hex'), expected.toString('hex'));
    assert.deepEqual(seenArguments, [GOLDEN.startPayload]);
  });

  it('publishes the golden error response bytes for not enough CPU', async () => {
    const clusterId = uniqueTopic();
    await startCpuStarvedServer(clusterId, 'SRV_egressnode01');
    const tap = await rig.newTap();
    const clientId = 'CLI_lkserver0002';
    await tap.tap(claimRequestChannel(SERVICE, clientId), responseChannel(SERVICE, clientId));
    const sentAt = nowNs();
    await tap.publish(
      requestChannel(SERVICE, 'StartEgress', [clusterId]),
      encodeEnvelope(
        new PsrpcRequest({
          requestId: 'REQ_startegress1',
          clientId,
          sentAt,
          expiry: sentAt + 10_000_000_000n,
          rawRequest: Buffer.from(GOLDEN.startPayload, 'hex'),
        }),
      ),
    );
    await tap.next(claimRequestChannel(SERVICE, clientId));
    await tap.publish(
      claimResponseChannel(SERVICE, 'StartEgress', [clusterId]),
      encodeEnvelope(
        new PsrpcClaimResponse({ requestId: 'REQ_startegress1', serverId: 'SRV_egressnode01' }),
      ),
    );
    const response = await tap.next(responseChannel(SERVICE, clientId));
    const envelope = decodeEnvelope(response.payload);
    assert.ok(envelope?.message instanceof PsrpcResponse);
    // The golden has sent_at 1767225600600000000; put ours in its place and compare all bytes.
    const golden = decodeEnvelope(Buffer.from(GOLDEN.errorPublished, 'hex'));
    assert.ok(golden?.message instanceof PsrpcResponse);
    golden.message.sentAt = envelope.message.sentAt;
    assert.equal(response.payload.toString('hex'), encodeEnvelope(golden.message).toString('hex'));
  });

  it('lets exactly one of two bridges handle a StopEgress through the queue lock', async () => {
    const egressId = `EG_${uniqueTopic()}`;
    let handled = 0;
    for (const _ of [1, 2]) {
      const server = await rig.newServer('EgressHandler');
      await server.registerQueueMethod({
        method: 'StopEgress',
        topic: [egressId],
        requestType: StopEgressRequest,
        handler: async (request) => {
          handled++;
          return new EgressInfo({ egressId: request.egressId, status: EgressStatus.EGRESS_ENDING });
        },
      });
    }
    const fake = await newFake();
    for (const attempt of [1, 2, 3]) {
      const info = await fake.stopEgress(egressId);
      assert.equal(info.status, EgressStatus.EGRESS_ENDING);
      assert.equal(handled, attempt);
    }
  });

  it('serves UpdateStream on the egress topic', async () => {
    const egressId = `EG_${uniqueTopic()}`;
    const server = await rig.newServer('EgressHandler');
    await server.registerQueueMethod({
      method: 'UpdateStream',
      topic: [egressId],
      requestType: UpdateStreamRequest,
      handler: async (request) =>
        new EgressInfo({ egressId: request.egressId, details: request.addOutputUrls.join(',') }),
    });
    const fake = await newFake();
    const info = await fake.updateStream(
      new UpdateStreamRequest({ egressId, addOutputUrls: ['rtmp://example.test/live'] }),
    );
    assert.equal(info.details, 'rtmp://example.test/live');
  });

  it('stops answering a topic once it is unregistered', async () => {
    const egressId = `EG_${uniqueTopic()}`;
    const server = await rig.newServer('EgressHandler');
    for (const method of ['StopEgress', 'UpdateStream']) {
      await server.registerQueueMethod({
        method,
        topic: [egressId],
        requestType: StopEgressRequest,
        handler: async (request) => new EgressInfo({ egressId: request.egressId }),
      });
    }
    const fake = await newFake();
    assert.equal((await fake.stopEgress(egressId)).egressId, egressId);
    await server.unregisterTopic([egressId]);
    await assert.rejects(fake.stopEgress(egressId, { timeoutMs: 300 }), {
      code: 'unavailable',
      message: 'no response from servers',
    });
    await assert.rejects(
      fake.updateStream(new UpdateStreamRequest({ egressId }), { timeoutMs: 300 }),
      { code: 'unavailable', message: 'no response from servers' },
    );
  });

  it('refuses to register the same method and topic twice', async () => {
    const server = await rig.newServer('EgressHandler');
    const spec = {
      method: 'StopEgress',
      topic: ['EG_twice'],
      requestType: StopEgressRequest,
      handler: async () => new EgressInfo(),
    };
    await server.registerQueueMethod(spec);
    await assert.rejects(server.registerQueueMethod(spec), { code: 'already_exists' });
  });

  it('gathers ListActiveEgress answers from two servers', async () => {
    const topic = uniqueTopic();
    const ids = ['EG_one', 'EG_two'];
    for (const id of ids) {
      const server = await newServer();
      await server.registerMultiMethod({
        method: 'ListActiveEgress',
        topic: [topic],
        requestType: RpcListActiveEgressRequest,
        handler: async () => new RpcListActiveEgressResponse({ egressIds: [id] }),
      });
    }
    const fake = await newFake();
    const results = await fake.listActiveEgress({ topic: [topic], maxResponses: 2 });
    const got = results.flatMap((r) => r.result?.egressIds ?? []).sort();
    assert.deepEqual(got, ids);
    assert.equal(new Set(results.map((r) => r.serverId)).size, 2);
  });
});
