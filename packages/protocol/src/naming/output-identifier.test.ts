import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestType } from '../request-types.js';
import type { NamingVars } from './naming-vars.js';
import { outputIdentifier } from './output-identifier.js';

const ROOM: NamingVars = { roomName: 'my-room', roomId: 'RM_abc' };
const FULL: NamingVars = { ...ROOM, publisherIdentity: 'alice', trackId: 'TR_v1' };

describe('outputIdentifier', () => {
  const cases: { name: string; input: { type: RequestType; vars: NamingVars }; want: string }[] = [
    {
      name: 'uses the room name for room composite',
      input: { type: 'room-composite', vars: FULL },
      want: 'my-room',
    },
    {
      name: 'uses web for a web egress without room',
      input: { type: 'web', vars: { roomName: '', roomId: '' } },
      want: 'web',
    },
    {
      name: 'uses the identity for participant egress',
      input: { type: 'participant', vars: FULL },
      want: 'alice',
    },
    {
      name: 'uses the room name for track composite',
      input: { type: 'track-composite', vars: FULL },
      want: 'my-room',
    },
    {
      name: 'uses the track ID for track egress',
      input: { type: 'track', vars: FULL },
      want: 'TR_v1',
    },
    {
      name: 'falls back to the room name while the track is not known',
      input: { type: 'track', vars: ROOM },
      want: 'my-room',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(outputIdentifier(c.input.type, c.input.vars), c.want);
    });
  }
});
