import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A Redis for one test file. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` (or `EGRESS_TEST_REDIS_URL`). */
  readonly url: string;
  /** Kills the server this helper started (by PID) and waits for it; no-op for a shared one. */
  close(): Promise<void>;
}

/** What {@link startTestRedis} takes. */
export interface StartTestRedisOptions {
  /** Use this Redis instead of starting one (the test runner passes `EGRESS_TEST_REDIS_URL`). */
  url?: string | undefined;
  /** How long to wait for the server to accept connections. @defaultValue 10000 */
  startTimeoutMs?: number;
  /**
   * Listen on this port (a restart drill starts a new server where the old one was).
   * @defaultValue a free port
   */
  port?: number;
  /**
   * Keep the data in this folder (append-only file, fsync on every write), so a server
   * restarted on the same folder has every key back. @defaultValue no persistence
   */
  dataDir?: string;
}

const READY_LINE = 'Ready to accept connections';

/**
 * Starts a private `redis-server` on a free 127.0.0.1 port with persistence off, unless a URL is
 * given; tests pass `process.env.EGRESS_TEST_REDIS_URL` as `url`, and then use unique channel
 * names and ids because the Redis is shared.
 * @throws when redis-server is missing or does not become ready in time.
 */
export async function startTestRedis(options: StartTestRedisOptions = {}): Promise<TestRedis> {
  if (options.url) return { url: options.url, close: async () => {} };
  const port = options.port ?? (await freePort());
  const child = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      ...(options.dataDir
        ? ['--dir', options.dataDir, '--appendonly', 'yes', '--appendfsync', 'always']
        : ['--appendonly', 'no']),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitReady(child, options.startTimeoutMs ?? 10_000);
  let closing: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () => {
      closing ??= stop(child);
      return closing;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop(child);
      reject(new Error(`redis-server not ready after ${timeoutMs} ms: ${output.slice(-500)}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`));
    };
    child.once('exit', onEarlyExit);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY_LINE)) {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  await exited;
}
