import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is `e2e/src/demo/app-process.ts`). */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');

/** The egress services this starts, by their folder under `apps/`. */
export type EgressApp = 'bridge' | 'composite-worker' | 'track-worker';

/** Options of {@link startAppProcess}. */
export interface AppProcessOptions {
  app: EgressApp;
  /** The YAML config, passed as `EGRESS_CONFIG_BODY`. */
  configBody: string;
  /** Its `health_port`, polled until it answers. */
  healthPort: number;
  /** A file for its stdout and stderr; without one the output is kept in memory. */
  logFile?: string;
  /** How long to wait for /health, milliseconds. @defaultValue 30000 */
  healthDeadlineMs?: number;
  /** Aborts the wait for /health: the process is stopped and the start rejects. */
  signal?: AbortSignal;
}

/** A running service process (`node apps/<app>/dist/main.js`). */
export interface AppProcess {
  readonly app: EgressApp;
  readonly pid: number;
  /** Its `health_port` (`GET /health` there). */
  readonly healthPort: number;
  /** What it printed so far (the last 64 KiB), when it logs to memory. */
  output(): string;
  /** Resolves with its exit code (or signal name) once it has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts one egress service from its build (`apps/<app>/dist/main.js`) with a config in
 * `EGRESS_CONFIG_BODY`, and waits until its health endpoint answers.
 * @throws Error when it exits or its health does not answer in time (its output is in the message)
 */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, 'apps', options.app, 'dist', 'main.js')],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, EGRESS_CONFIG_BODY: options.configBody },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let memory = '';
  let file: WriteStream | undefined;
  if (options.logFile) file = createWriteStream(options.logFile, { flags: 'a' });
  const onData = (d: Buffer) => {
    if (file) file.write(d);
    else memory = (memory + d.toString()).slice(-65_536);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, signal) => {
      file?.end();
      resolveExit(code ?? signal ?? 'unknown');
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const where = options.logFile ? `see ${options.logFile}` : 'output:\n';
  const proc: AppProcess = {
    app: options.app,
    pid: child.pid ?? -1,
    healthPort: options.healthPort,
    output: () => memory,
    exited,
    async stop(graceMs = 15_000) {
      if (hasExited) return;
      child.kill('SIGTERM');
      // The grace timer is cancelled once the process is gone: left running, it would hold the
      // test process open for the whole grace period after its last test.
      const grace = new AbortController();
      const graceEnded = sleep(graceMs, true, { signal: grace.signal }).catch(() => false);
      const isTimedOut = await Promise.race([exited.then(() => false), graceEnded]);
      grace.abort();
      if (isTimedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  const deadline = Date.now() + (options.healthDeadlineMs ?? 30_000);
  for (;;) {
    if (options.signal?.aborted) {
      await proc.stop(5_000);
      options.signal.throwIfAborted();
    }
    if (hasExited) {
      throw new Error(
        `${options.app} exited with ${await exited} before it was healthy; ${where}${memory}`,
      );
    }
    const res = await fetch(`http://127.0.0.1:${options.healthPort}/health`).catch(() => undefined);
    if (res) {
      await res.arrayBuffer();
      return proc;
    }
    if (Date.now() > deadline) {
      await proc.stop(1_000);
      throw new Error(`${options.app} did not answer on its health port; ${where}${memory}`);
    }
    await sleep(200);
  }
}
