import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { AccessToken } from 'livekit-server-sdk';
import { TEST_API_KEY, TEST_API_SECRET, TEST_WS_URL } from '../testing/test-config.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../main.ts');

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  assert.ok(address && typeof address === 'object');
  return address.port;
}

interface Started {
  child: ChildProcess;
  apiPort: number;
  healthPort: number;
  output: () => string;
  exited: Promise<number | null>;
}

// The real entry point (src/main.ts under tsx) in its own process, so a test can stop its
// Redis or signal it without touching the test process.
async function startMain(redisUrl: string): Promise<Started> {
  const [apiPort, healthPort] = [await freePort(), await freePort()];
  const url = new URL(redisUrl);
  const config = [
    `redis: { address: "${url.hostname}:${url.port}" }`,
    `api_port: ${apiPort}`,
    `health_port: ${healthPort}`,
    `api_key: ${TEST_API_KEY}`,
    `api_secret: ${TEST_API_SECRET}`,
    `ws_url: ${TEST_WS_URL}`,
    'shutdown_grace_sec: 20',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH, EGRESS_CONFIG_BODY: config },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`http://127.0.0.1:${healthPort}/health`).catch(() => undefined);
    if (res) return { child, apiPort, healthPort, output: () => output, exited };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the bridge did not start: ${output.slice(-2000)}`);
}

describe('bridge main', { timeout: 90_000 }, () => {
  const children: Started[] = [];
  const redises: TestRedis[] = [];
  after(async () => {
    for (const s of children) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await Promise.all(children.map((s) => s.exited));
    await Promise.all(redises.map((r) => r.close()));
  });

  it('answers /health 503 with redis down when its redis goes away', async () => {
    const redis = await startTestRedis(); // a private one: this test stops it
    redises.push(redis);
    const s = await startMain(redis.url);
    children.push(s);
    const up = await fetch(`http://127.0.0.1:${s.healthPort}/health`);
    assert.equal(up.status, 200, s.output());
    await redis.close();
    const res = await fetch(`http://127.0.0.1:${s.healthPort}/health`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { isHealthy: false, redis: 'down', isDraining: false });
    const metrics = await (await fetch(`http://127.0.0.1:${s.apiPort}/metrics`)).text();
    assert.match(metrics, /^livekit_egress_redis_up\{[^}]*\} 0$/m);
  });

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    redises.push(redis);
    const s = await startMain(redis.url);
    children.push(s);
    const at = new AccessToken(TEST_API_KEY, TEST_API_SECRET, { identity: 'caller', ttl: 600 });
    at.addGrant({ roomRecord: true });
    const body = Buffer.from(JSON.stringify({ room_name: 'no-such-room' }));
    // Half the body goes out before the signal, the rest after it.
    const req = request({
      host: '127.0.0.1',
      port: s.apiPort,
      method: 'POST',
      path: '/twirp/livekit.Egress/ListEgress',
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': body.length,
        Authorization: `Bearer ${await at.toJwt()}`,
      },
    });
    const response = once(req, 'response');
    req.write(body.subarray(0, 5));
    await new Promise((resolve) => setTimeout(resolve, 300));
    s.child.kill('SIGTERM');
    for (let i = 0; i < 100 && !s.output().includes('"msg":"shutting down"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(s.output(), /"msg":"shutting down"/);
    req.end(body.subarray(5));
    const [res] = (await response) as [import('node:http').IncomingMessage];
    let text = '';
    for await (const chunk of res) text += String(chunk);
    assert.equal(res.statusCode, 200, text);
    assert.deepEqual(JSON.parse(text).items, []);
    assert.equal(await s.exited, 0, s.output());
    assert.match(s.output(), /"msg":"shutdown complete"/);
  });
});
