import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dispose } from '@livekit/rtc-node';
import { WebSocket } from 'ws';
import { createTestToken, RtcNodeProbe } from './rtc-node-probe.js';
import { startTestSfu, type TestSfu } from './test-sfu.js';

const apiKey = 'test-key';
const apiSecret = 'test-secret-test-secret-test-secret-0123';
const nowSec = () => Math.floor(Date.now() / 1000);

/** An HS256 JWT with any claims, for tokens AccessToken will not make (expired ones). */
function signJwt(claims: Record<string, unknown>, secret: string): string {
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const joinGrant = { room: 'auth-room', roomJoin: true };
const validClaims = () => ({
  iss: apiKey,
  sub: 'alice',
  nbf: nowSec() - 10,
  exp: nowSec() + 600,
  video: joinGrant,
});

/** What the SFU answered an upgrade on `path` with `token`: the status and body. */
async function tryUpgrade(url: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    ws.on('open', () => {
      ws.terminate();
      resolve({ status: 101, body: '' });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
}

describe('test SFU signalling access', { timeout: 60_000 }, () => {
  let sfu: TestSfu;

  before(async () => {
    sfu = await startTestSfu({ apiKey, apiSecret });
  });

  after(async () => {
    await sfu.close();
    await dispose();
  });

  const cases: Array<{ name: string; input: () => string | undefined; want: RegExp | undefined }> =
    [
      { name: 'a valid token', input: () => signJwt(validClaims(), apiSecret), want: undefined },
      {
        name: 'a token signed with another secret',
        input: () => signJwt(validClaims(), 'not-the-secret-not-the-secret-000'),
        want: /signature/,
      },
      {
        name: 'an expired token',
        input: () => signJwt({ ...validClaims(), exp: nowSec() - 60 }, apiSecret),
        want: /"exp"/,
      },
      {
        name: 'a token from another API key',
        input: () => signJwt({ ...validClaims(), iss: 'other-key' }, apiSecret),
        want: /"iss"/,
      },
      {
        name: 'a token without roomJoin',
        input: () => signJwt({ ...validClaims(), video: { room: 'auth-room' } }, apiSecret),
        want: /roomJoin/,
      },
      { name: 'a malformed token', input: () => 'not.a.jwt', want: /invalid access token/ },
      { name: 'no token', input: () => undefined, want: /no access token/ },
    ];

  for (const c of cases) {
    const verdict = c.want ? 'rejects' : 'accepts';
    it(`${verdict} ${c.name} on /rtc/validate`, async () => {
      const token = c.input();
      const query = token ? `?access_token=${encodeURIComponent(token)}` : '';
      const response = await fetch(`${sfu.httpUrl}/rtc/validate${query}`);
      const body = await response.text();
      assert.equal(response.status, c.want ? 401 : 200, body);
      if (c.want) assert.match(body, c.want);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
    });

    it(`${verdict} ${c.name} on the /rtc upgrade`, async () => {
      const answer = await tryUpgrade(`${sfu.url}/rtc`, c.input());
      assert.equal(answer.status, c.want ? 401 : 101, answer.body);
      if (c.want) assert.match(answer.body, c.want);
    });
  }

  it('never puts the token in an error message', async () => {
    const token = signJwt(validClaims(), 'not-the-secret-not-the-secret-000');
    const answer = await tryUpgrade(`${sfu.url}/rtc`, token);
    assert.equal(answer.status, 401);
    assert.ok(!answer.body.includes(token.split('.')[2] ?? token));
  });

  it('answers /rtc/v1 with 404 so clients fall back to /rtc', async () => {
    const token = signJwt(validClaims(), apiSecret);
    const upgrade = await tryUpgrade(`${sfu.url}/rtc/v1`, token);
    assert.equal(upgrade.status, 404);
    const validate = await fetch(`${sfu.httpUrl}/rtc/v1/validate?access_token=${token}`);
    assert.equal(validate.status, 404);
    assert.equal(validate.headers.get('access-control-allow-origin'), '*');
    assert.doesNotMatch(await validate.text(), /requested room does not exist/);
  });

  it('makes rtc-node fail to connect with a bad token', async () => {
    const probe = new RtcNodeProbe();
    const token = await createTestToken({
      apiKey,
      apiSecret: 'not-the-secret-not-the-secret-000',
      room: 'auth-room',
      identity: 'mallory',
    });
    await assert.rejects(probe.connect(sfu.url, token), /401|Unauthorized|unauthorized/);
    assert.deepEqual(sfu.rooms.participants('auth-room'), []);
  });
});
