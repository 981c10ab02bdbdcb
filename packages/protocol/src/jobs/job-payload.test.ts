import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EncodedFileOutput,
  RoomCompositeEgressRequest,
  S3Upload,
  StartEgressRequest,
  StreamOutput,
  TemplateSource,
} from '@livekit/protocol';
import { createEgressInfo } from '../egress-info/create-egress-info.js';
import { EgressError } from '../errors.js';
import type { EgressRequest } from '../request-types.js';
import {
  decodeJobInfo,
  decodeJobRequest,
  encodeJobPayload,
  type JobPayload,
  parseJobPayload,
} from './job-payload.js';

const S3_SECRET = 's3-secret-abcdef';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.token.secret';

const request: EgressRequest = {
  case: 'roomComposite',
  value: new RoomCompositeEgressRequest({
    roomName: 'room',
    layout: 'grid',
    fileOutputs: [
      new EncodedFileOutput({
        filepath: 'a.mp4',
        output: { case: 's3', value: new S3Upload({ secret: S3_SECRET, bucket: 'b' }) },
      }),
    ],
    streamOutputs: [new StreamOutput({ urls: ['rtmp://h/app/streamkey123'] })],
  }),
};

function payload(): JobPayload {
  const info = createEgressInfo({ egressId: 'EG_job', request, nowMs: 1_700_000_000_000 });
  return encodeJobPayload({
    request,
    info,
    token: TOKEN,
    wsUrl: 'wss://lk.example.com',
    cpuCost: 4,
    startDeadlineMs: 1_700_000_030_000,
    enqueuedAtMs: 1_700_000_000_000,
  });
}

function rejects(raw: unknown, includes: string): void {
  assert.throws(
    () => parseJobPayload(raw),
    (err) => {
      assert.ok(err instanceof EgressError);
      assert.equal(err.code, 'invalid_argument');
      assert.ok(err.message.includes(includes), err.message);
      assert.ok(!err.message.includes(S3_SECRET) && !err.message.includes(TOKEN));
      return true;
    },
  );
}

describe('job payload', () => {
  it('round-trips through JSON with the unredacted request for the worker', () => {
    const encoded = payload();
    const parsed = parseJobPayload(JSON.parse(JSON.stringify(encoded)));
    assert.deepEqual(parsed, encoded);
    assert.equal(parsed.version, 1);
    assert.equal(parsed.egressId, 'EG_job');
    assert.equal(parsed.requestType, 'room-composite');
    assert.equal(parsed.token, TOKEN);
    const decoded = decodeJobRequest(parsed);
    assert.equal(decoded.case, 'roomComposite');
    assert.ok(decoded.value.equals(request.value));
    const info = decodeJobInfo(parsed);
    assert.equal(info.egressId, 'EG_job');
    assert.equal(info.startedAt, 1_700_000_000_000_000_000n);
    assert.ok(!JSON.stringify(parsed.info).includes(S3_SECRET), 'info holds the redacted copy');
  });

  it('accepts a JSON string and a v2 request', () => {
    const v2: EgressRequest = {
      case: 'egress',
      value: new StartEgressRequest({
        roomName: 'r',
        source: { case: 'template', value: new TemplateSource({ layout: 'speaker' }) },
      }),
    };
    const encoded = encodeJobPayload({
      request: v2,
      info: createEgressInfo({ egressId: 'EG_v2', request: v2 }),
      wsUrl: 'wss://x',
      cpuCost: 4,
      startDeadlineMs: 1,
    });
    const parsed = parseJobPayload(JSON.stringify(encoded));
    assert.equal(parsed.requestType, 'room-composite');
    assert.equal(parsed.token, undefined);
    assert.equal(decodeJobRequest(parsed).case, 'egress');
  });

  const rejections: { name: string; input: () => unknown; want: string }[] = [
    {
      name: 'rejects version 2 by name',
      input: () => ({ ...payload(), version: 2 }),
      want: 'version 2 is not supported',
    },
    {
      name: 'rejects a payload without a version',
      input: () => {
        const { version: _version, ...rest } = payload();
        return rest;
      },
      want: 'version (missing)',
    },
    { name: 'rejects text that is not JSON', input: () => 'garbage{', want: 'not valid JSON' },
    { name: 'rejects a JSON array', input: () => [1, 2], want: 'expected a JSON object' },
    { name: 'rejects null', input: () => null, want: 'expected a JSON object' },
    {
      name: 'rejects a negative cpu cost',
      input: () => ({ ...payload(), cpuCost: -1 }),
      want: 'cpuCost',
    },
    {
      name: 'rejects an unknown request case',
      input: () => ({ ...payload(), request: { case: 'replay', value: {} } }),
      want: 'request.case',
    },
    {
      name: 'rejects a request that is not valid protobuf JSON',
      input: () => ({
        ...payload(),
        request: { case: 'roomComposite', value: { roomName: 5, secret: S3_SECRET } },
      }),
      want: 'not a valid roomComposite request',
    },
    {
      name: 'rejects a request type that does not match the request',
      input: () => ({ ...payload(), requestType: 'track' }),
      want: 'does not match',
    },
    {
      name: 'rejects an info for another egress',
      input: () => ({ ...payload(), egressId: 'EG_other' }),
      want: 'info.egressId differs',
    },
  ];
  for (const c of rejections) {
    it(c.name, () => {
      rejects(c.input(), c.want);
    });
  }
});
