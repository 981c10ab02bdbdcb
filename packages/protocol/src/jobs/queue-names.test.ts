import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EgressError } from '../errors.js';
import { REQUEST_TYPES, type RequestType } from '../request-types.js';
import {
  egressCapacityKey,
  egressCapacityPattern,
  egressControlChannel,
  egressInfoKey,
  egressReplyChannel,
  QUEUE_NAMES,
  queueForRequestType,
} from './queue-names.js';

describe('queueForRequestType', () => {
  const cases: { name: string; input: RequestType; want: string }[] = [
    {
      name: 'room-composite runs on egress-composite',
      input: 'room-composite',
      want: 'egress-composite',
    },
    { name: 'web runs on egress-composite', input: 'web', want: 'egress-composite' },
    { name: 'participant runs on egress-track', input: 'participant', want: 'egress-track' },
    {
      name: 'track-composite runs on egress-track',
      input: 'track-composite',
      want: 'egress-track',
    },
    { name: 'track runs on egress-track', input: 'track', want: 'egress-track' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(queueForRequestType(c.input), c.want);
    });
  }

  it('uses names BullMQ accepts (no colon) for every type', () => {
    for (const type of REQUEST_TYPES) assert.ok(!queueForRequestType(type).includes(':'));
    assert.deepEqual(QUEUE_NAMES, { composite: 'egress-composite', track: 'egress-track' });
  });
});

describe('redis names', () => {
  const cases: { name: string; input: () => string; want: string }[] = [
    { name: 'info key', input: () => egressInfoKey('EG_abc'), want: 'egress:info:EG_abc' },
    {
      name: 'control channel',
      input: () => egressControlChannel('EG_abc'),
      want: 'egress:control:EG_abc',
    },
    { name: 'reply channel', input: () => egressReplyChannel('r-1'), want: 'egress:reply:r-1' },
    {
      name: 'capacity key',
      input: () => egressCapacityKey('track', 'w.1'),
      want: 'egress:capacity:track:w.1',
    },
    {
      name: 'capacity pattern',
      input: () => egressCapacityPattern('composite'),
      want: 'egress:capacity:composite:*',
    },
  ];
  for (const c of cases) {
    it(`builds the ${c.name}`, () => {
      assert.equal(c.input(), c.want);
    });
  }

  it('refuses ids that would leave our name space', () => {
    for (const bad of ['EG_a|b', 'EG_a:b', '', 'EG a']) {
      assert.throws(
        () => egressControlChannel(bad),
        (err) => err instanceof EgressError && err.code === 'invalid_argument',
      );
    }
  });
});
