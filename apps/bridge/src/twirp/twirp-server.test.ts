import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import {
  EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  ListEgressRequest,
  ListEgressResponse,
  RoomCompositeEgressRequest,
} from '@livekit/protocol';
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';
import { removeTestKeys, startTestBridge, type TestBridge } from '../testing/start-test-bridge.js';
import { TEST_API_KEY, TEST_API_SECRET } from '../testing/test-config.js';

async function token(grant: VideoGrant, secret = TEST_API_SECRET): Promise<string> {
  const at = new AccessToken(TEST_API_KEY, secret, { identity: 'caller', ttl: 600 });
  at.addGrant(grant);
  return at.toJwt();
}

interface Call {
  method?: string;
  path?: string;
  contentType?: string;
  authorization?: string | null;
  body?: string | Uint8Array;
}

function roomRequest(): RoomCompositeEgressRequest {
  return new RoomCompositeEgressRequest({
    roomName: `room-${randomUUID()}`,
    fileOutputs: [new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/a.mp4' })],
  });
}

describe('TwirpServer', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let test: TestBridge;
  let recordToken: string;

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    test = await startTestBridge(redis.url, { maxBodyBytes: 64 * 1024 });
    recordToken = await token({ roomRecord: true });
  });
  after(async () => {
    await test?.close();
    if (test) await removeTestKeys(redis.url, test.prefix);
    await redis?.close();
  });

  async function call(c: Call): Promise<Response> {
    const headers: Record<string, string> = {
      'Content-Type': c.contentType ?? 'application/json',
    };
    if (c.authorization !== null) {
      headers.Authorization = c.authorization ?? `Bearer ${recordToken}`;
    }
    const method = c.method ?? 'POST';
    return fetch(`${test.url}${c.path ?? '/twirp/livekit.Egress/ListEgress'}`, {
      method,
      headers,
      ...(method === 'GET' ? {} : { body: c.body ?? '{}' }),
    });
  }

  async function twirpError(
    response: Response,
  ): Promise<{ status: number; code: string; msg: string }> {
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = (await response.json()) as { code: string; msg: string };
    assert.equal(typeof body.msg, 'string');
    return { status: response.status, code: body.code, msg: body.msg };
  }

  const refusals: {
    name: string;
    input: () => Promise<Call>;
    want: { status: number; code: string; msg?: RegExp };
  }[] = [
    {
      name: 'answers 401 unauthenticated without an Authorization header',
      input: async () => ({ authorization: null }),
      want: { status: 401, code: 'unauthenticated', msg: /Must start with Bearer/ },
    },
    {
      name: 'answers 401 unauthenticated for a non-Bearer header',
      input: async () => ({ authorization: 'Basic dXNlcjpwYXNz' }),
      want: { status: 401, code: 'unauthenticated' },
    },
    {
      name: 'answers 401 unauthenticated for a garbage token',
      input: async () => ({ authorization: 'Bearer not.a.jwt' }),
      want: { status: 401, code: 'unauthenticated', msg: /invalid authorization token/ },
    },
    {
      name: 'answers 401 unauthenticated for a token signed with another secret',
      input: async () => ({
        authorization: `Bearer ${await token({ roomRecord: true }, 'another-secret-another-secret-0123')}`,
      }),
      want: { status: 401, code: 'unauthenticated' },
    },
    {
      name: 'answers 403 permission_denied for a token without roomRecord',
      input: async () => ({
        authorization: `Bearer ${await token({ roomJoin: true, room: 'r' })}`,
      }),
      want: { status: 403, code: 'permission_denied', msg: /roomRecord/ },
    },
    {
      name: 'answers 404 bad_route for an unknown method',
      input: async () => ({ path: '/twirp/livekit.Egress/DeleteEverything' }),
      want: { status: 404, code: 'bad_route' },
    },
    {
      name: 'answers 404 bad_route for another service',
      input: async () => ({ path: '/twirp/livekit.RoomService/ListRooms' }),
      want: { status: 404, code: 'bad_route' },
    },
    {
      name: 'answers 404 bad_route for GET',
      input: async () => ({ method: 'GET' }),
      want: { status: 404, code: 'bad_route', msg: /only POST/ },
    },
    {
      name: 'answers 404 bad_route for an unexpected content type',
      input: async () => ({ contentType: 'text/plain' }),
      want: { status: 404, code: 'bad_route', msg: /Content-Type/ },
    },
    {
      name: 'answers 400 malformed for a body that is not JSON',
      input: async () => ({ body: '{"room_name":' }),
      want: { status: 400, code: 'malformed' },
    },
    {
      name: 'answers 400 malformed for a JSON array',
      input: async () => ({ body: '[1,2]' }),
      want: { status: 400, code: 'malformed', msg: /JSON object/ },
    },
    {
      name: 'answers 400 malformed naming the field of a wrongly typed value',
      input: async () => ({ body: '{"active":"very"}' }),
      want: { status: 400, code: 'malformed', msg: /field livekit\.ListEgressRequest\.active/ },
    },
    {
      name: 'answers 400 malformed for bytes that are not protobuf',
      input: async () => ({
        contentType: 'application/protobuf',
        body: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]),
      }),
      want: { status: 400, code: 'malformed', msg: /protobuf/ },
    },
    {
      name: 'answers 400 invalid_argument for a body over the size limit',
      input: async () => ({ body: JSON.stringify({ room_name: 'x'.repeat(100 * 1024) }) }),
      want: { status: 400, code: 'invalid_argument', msg: /larger than 65536 bytes/ },
    },
    {
      name: 'answers 400 invalid_argument for a request that breaks a rule',
      input: async () => ({
        path: '/twirp/livekit.Egress/StartRoomCompositeEgress',
        body: '{"room_name":"r"}',
      }),
      want: { status: 400, code: 'invalid_argument' },
    },
  ];
  for (const c of refusals) {
    it(c.name, async () => {
      const error = await twirpError(await call(await c.input()));
      assert.equal(error.status, c.want.status);
      assert.equal(error.code, c.want.code);
      if (c.want.msg) assert.match(error.msg, c.want.msg);
    });
  }

  it('starts an egress from a snake_case JSON body and answers with proto field names', async () => {
    const response = await call({
      path: '/twirp/livekit.Egress/StartRoomCompositeEgress',
      body: JSON.stringify(roomRequest().toJson({ useProtoFieldName: true })),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = (await response.json()) as Record<string, unknown>;
    assert.match(String(body.egress_id), /^EG_/);
    assert.equal(body.status, 'EGRESS_STARTING');
  });

  it('starts and lists egresses in protobuf, answering in protobuf', async () => {
    const request = roomRequest();
    const started = await call({
      path: '/twirp/livekit.Egress/StartRoomCompositeEgress',
      contentType: 'application/protobuf',
      body: request.toBinary(),
    });
    assert.equal(started.status, 200);
    assert.equal(started.headers.get('content-type'), 'application/protobuf');
    const info = EgressInfo.fromBinary(new Uint8Array(await started.arrayBuffer()));
    assert.equal(info.status, EgressStatus.EGRESS_STARTING);
    assert.equal(info.roomName, request.roomName);

    const listed = await call({
      contentType: 'application/protobuf',
      body: new ListEgressRequest({ roomName: request.roomName }).toBinary(),
    });
    const list = ListEgressResponse.fromBinary(new Uint8Array(await listed.arrayBuffer()));
    assert.deepEqual(
      list.items.map((item) => item.egressId),
      [info.egressId],
    );
  });

  it('keeps answering after a burst of random and mutated bodies, never with a 5xx', async () => {
    const valid = roomRequest().toBinary();
    const methods = [
      'StartRoomCompositeEgress',
      'StartEgress',
      'StopEgress',
      'ListEgress',
      'UpdateStream',
    ];
    for (let i = 0; i < 200; i++) {
      const mutated = Uint8Array.from(valid);
      for (let j = 0; j < 3; j++) mutated[(i * 7 + j * 13) % mutated.length] = (i * 31 + j) % 256;
      const isJson = i % 2 === 0;
      const response = await call({
        path: `/twirp/livekit.Egress/${methods[i % methods.length]}`,
        contentType: isJson ? 'application/json' : 'application/protobuf',
        body: isJson
          ? randomBytes(i % 64).toString('latin1')
          : i % 3 === 0
            ? randomBytes(i)
            : mutated,
      });
      assert.ok(response.status < 500, `status ${response.status} for body ${i}`);
      await response.arrayBuffer();
    }
    const after = await call({});
    assert.equal(after.status, 200);
  });
});
