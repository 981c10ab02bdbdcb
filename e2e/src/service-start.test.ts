import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipWithoutRedis, testRedisAddress } from './test-env.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APPS = ['bridge', 'composite-worker', 'track-worker'] as const;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  server.close();
  return address.port;
}

/** A working config: Redis, a health port, and a key pair with the Twirp door on a free port. */
function serviceConfig(healthPort: number): string {
  return [
    `redis: { address: "${testRedisAddress()}" }`,
    `health_port: ${healthPort}`,
    'api_port: 0',
    'api_key: testkey',
    'api_secret: test-secret-with-at-least-32-characters',
    'ws_url: ws://127.0.0.1:7880',
  ].join('\n');
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `apps/<app>/dist/main.js`, or with `viaPnpm` the README's `pnpm --filter … start`. */
function startApp(app: string, configBody: string, viaPnpm = false): Started {
  const [command, args] = viaPnpm
    ? ['pnpm', ['--filter', `@egress/${app}`, 'start']]
    : [process.execPath, [path.join(repoRoot, 'apps', app, 'dist', 'main.js')]];
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, EGRESS_CONFIG_BODY: configBody },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

async function waitForOutput(s: Started, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 300 && !pattern.test(s.output()); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(s.output(), pattern);
}

async function waitForHealth(port: number): Promise<Response> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
    if (res) return res;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no health answer on port ${port}`);
}

describe('service start', () => {
  const started: Started[] = [];
  after(async () => {
    for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await Promise.all(started.map((s) => s.exited));
  });

  for (const app of APPS) {
    it(`starts ${app}, reports Redis healthy, and exits 0 on SIGTERM`, {
      skip: skipWithoutRedis(),
    }, async () => {
      const port = await freePort();
      const s = startApp(app, serviceConfig(port));
      started.push(s);
      const res = await waitForHealth(port);
      assert.equal(res.status, 200, s.output());
      // Each service adds its own fields (the bridge its pools, workers their load) to these.
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.isHealthy, true);
      assert.equal(body.redis, 'up');
      if (app === 'bridge') {
        assert.equal(body.isDraining, false);
        assert.deepEqual(Object.keys(body.pools as object).sort(), ['composite', 'track']);
      }
      // Health answers before main.ts has wired its signal handlers; a SIGTERM in that window
      // would take the default action, so wait for the service's own ready line.
      await waitForOutput(s, /"msg":"(service|bridge) started"/);
      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 0, s.output());
      assert.match(s.output(), /"msg":"shutdown complete"/);
    });

    it(`passes SIGTERM through \`pnpm --filter @egress/${app} start\` to ${app}`, {
      skip: skipWithoutRedis(),
    }, async () => {
      const port = await freePort();
      const s = startApp(app, serviceConfig(port), true);
      started.push(s);
      await waitForHealth(port);
      await waitForOutput(s, /"msg":"(service|bridge) started"/);
      s.child.kill('SIGTERM');
      await s.exited;
      // The service itself shut down (an orphaned one would still answer on its health port).
      await waitForOutput(s, /"msg":"shutdown complete"/);
      const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      assert.equal(res, undefined, 'the service still answers after pnpm exited');
    });

    it(`refuses to start ${app} with a bad config, naming the key and not the value`, async () => {
      const s = startApp(app, 'redis: { address: 12 }\napi_secret: [hunter2-secret]\n');
      started.push(s);
      assert.equal(await s.exited, 1);
      assert.match(s.output(), /^config error: .*redis\.address/m);
      assert.match(s.output(), /api_secret/);
      assert.doesNotMatch(s.output(), /hunter2-secret/);
      assert.doesNotMatch(s.output(), /\n\s+at /, 'no stack trace');
    });

    it(`refuses to start ${app} without Redis configured`, async () => {
      const s = startApp(app, 'health_port: 0\n');
      started.push(s);
      assert.equal(await s.exited, 1);
      assert.match(s.output(), /config error: redis\.address: required/);
    });
  }
});
