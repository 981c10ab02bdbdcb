import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenVerifier } from 'livekit-server-sdk';
import { mintEgressToken } from './egress-token.js';

const API_KEY = 'APIkey123';
const API_SECRET = 'a-long-enough-api-secret-for-hs256-signing';

describe('mintEgressToken', () => {
  it('mints a hidden recorder token for the egress identity, valid 24 h', async () => {
    const jwt = await mintEgressToken({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      egressId: 'EG_abcdefghijkl',
      roomName: 'my-room',
    });
    const claims = await new TokenVerifier(API_KEY, API_SECRET).verify(jwt);
    assert.equal(claims.sub, 'EG_abcdefghijkl');
    assert.equal(claims.iss, API_KEY);
    assert.equal(claims.kind, 'egress');
    assert.deepEqual(claims.video, {
      roomJoin: true,
      room: 'my-room',
      canSubscribe: true,
      canPublish: false,
      canPublishData: false,
      hidden: true,
      recorder: true,
    });
    assert.equal((claims.exp ?? 0) - (claims.nbf ?? 0), 24 * 60 * 60);
  });

  it('is rejected by a verifier with another secret', async () => {
    const jwt = await mintEgressToken({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      egressId: 'EG_x',
      roomName: 'r',
    });
    await assert.rejects(
      new TokenVerifier(API_KEY, 'another-secret-of-sufficient-size').verify(jwt),
    );
  });
});
