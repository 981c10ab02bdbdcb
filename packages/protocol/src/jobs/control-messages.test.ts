import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EgressInfo, EgressStatus } from '@livekit/protocol';
import { EgressError } from '../errors.js';
import {
  type ControlMessage,
  type ControlMessageInput,
  controlReplyResult,
  encodeControlMessage,
  encodeControlReplyError,
  encodeControlReplyOk,
  parseControlMessage,
  parseControlMessageOn,
  parseControlReply,
} from './control-messages.js';
import { egressControlChannel } from './queue-names.js';

const envelope = { requestId: 'req-1', replyTo: 'egress:reply:req-1', egressId: 'EG_c' };

describe('control messages', () => {
  const cases: { name: string; input: ControlMessageInput; want: ControlMessage }[] = [
    {
      name: 'round-trips a stop',
      input: { ...envelope, type: 'stop' },
      want: { ...envelope, version: 1, type: 'stop' },
    },
    {
      name: 'round-trips a stop with an end reason',
      input: { ...envelope, type: 'stop', endReason: 'Process killed' },
      want: { ...envelope, version: 1, type: 'stop', endReason: 'Process killed' },
    },
    {
      name: 'round-trips a stream update',
      input: {
        ...envelope,
        type: 'update-stream',
        addOutputUrls: ['rtmp://h/app/k1'],
        removeOutputUrls: ['rtmp://h/app/k0'],
      },
      want: {
        ...envelope,
        version: 1,
        type: 'update-stream',
        addOutputUrls: ['rtmp://h/app/k1'],
        removeOutputUrls: ['rtmp://h/app/k0'],
      },
    },
    {
      name: 'fills missing url lists of a stream update with empty ones',
      input: { ...envelope, type: 'update-stream', addOutputUrls: ['srt://h:1'] },
      want: {
        ...envelope,
        version: 1,
        type: 'update-stream',
        addOutputUrls: ['srt://h:1'],
        removeOutputUrls: [],
      },
    },
    {
      name: 'round-trips a layout update',
      input: { ...envelope, type: 'update-layout', layout: 'speaker-dark' },
      want: { ...envelope, version: 1, type: 'update-layout', layout: 'speaker-dark' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(parseControlMessage(encodeControlMessage(c.input)), c.want);
    });
  }

  const rejections: { name: string; input: unknown; want: string }[] = [
    {
      name: 'rejects version 2',
      input: { ...envelope, version: 2, type: 'stop' },
      want: 'version 2 is not supported',
    },
    {
      name: 'rejects an unknown type',
      input: { ...envelope, version: 1, type: 'pause' },
      want: 'type',
    },
    {
      name: 'rejects an end reason Go does not have',
      input: { ...envelope, version: 1, type: 'stop', endReason: 'Bored' },
      want: 'endReason',
    },
    {
      name: 'rejects a message without replyTo',
      input: { version: 1, type: 'stop', requestId: 'r', egressId: 'EG_c' },
      want: 'replyTo',
    },
    { name: 'rejects garbage', input: '}{', want: 'not valid JSON' },
  ];
  for (const c of rejections) {
    it(c.name, () => {
      assert.throws(
        () => parseControlMessage(c.input),
        (err) =>
          err instanceof EgressError &&
          err.code === 'invalid_argument' &&
          err.message.includes(c.want),
      );
    });
  }
});

describe('parseControlMessageOn', () => {
  const raw = encodeControlMessage({ ...envelope, type: 'stop' });
  it('returns a message received on its egress control channel', () => {
    assert.equal(parseControlMessageOn(egressControlChannel('EG_c'), raw)?.requestId, 'req-1');
  });
  it('ignores a message received on another egress channel', () => {
    assert.equal(parseControlMessageOn(egressControlChannel('EG_other'), raw), undefined);
  });
  it('ignores a malformed message', () => {
    assert.equal(parseControlMessageOn(egressControlChannel('EG_c'), '}{'), undefined);
  });
});

describe('control replies', () => {
  it('round-trips a success reply with the EgressInfo', () => {
    const info = new EgressInfo({
      egressId: 'EG_c',
      status: EgressStatus.EGRESS_ENDING,
      updatedAt: 123n,
    });
    const reply = parseControlReply(encodeControlReplyOk('req-1', info));
    assert.equal(reply.requestId, 'req-1');
    assert.equal(reply.ok, true);
    const back = controlReplyResult(reply);
    assert.ok(back.equals(info));
  });

  it('round-trips an error reply and rethrows it with its code', () => {
    const reply = parseControlReply(
      encodeControlReplyError('req-2', EgressError.notFound('egress not found')),
    );
    assert.equal(reply.ok, false);
    assert.throws(
      () => controlReplyResult(reply),
      (err) =>
        err instanceof EgressError &&
        err.code === 'not_found' &&
        err.message === 'egress not found',
    );
  });

  it('rejects a reply whose info is not an EgressInfo', () => {
    assert.throws(
      () => parseControlReply({ version: 1, requestId: 'r', ok: true, info: { status: 'NOPE' } }),
      (err) => err instanceof EgressError && err.code === 'invalid_argument',
    );
  });

  it('rejects a reply with an unknown error code', () => {
    assert.throws(
      () =>
        parseControlReply({
          version: 1,
          requestId: 'r',
          ok: false,
          error: { code: 'teapot', message: 'x' },
        }),
      (err) => err instanceof EgressError && err.message.includes('error.code'),
    );
  });
});
