import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TestWorkerOptions } from './test-worker.js';

/** A {@link TestWorker} running in a child process. */
export interface TestWorkerProcess {
  readonly pid: number;
  /** SIGKILLs the process (a crashed worker: no cleanup, its job lock just expires). */
  kill(): Promise<void>;
}

/**
 * Starts a test worker in its own Node process and waits until it takes jobs. The entry is
 * `.ts` under tsx and `.js` in `dist/`, loaded the way this module was.
 * @throws when the process exits or prints nothing within `startTimeoutMs`.
 */
export async function spawnTestWorker(
  options: TestWorkerOptions,
  startTimeoutMs = 20_000,
): Promise<TestWorkerProcess> {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(
    new URL(`./test-worker-process.${isTs ? 'ts' : 'js'}`, import.meta.url),
  );
  const child = spawn(
    process.execPath,
    [...(isTs ? ['--import', 'tsx'] : []), entry, JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitReady(child, startTimeoutMs);
  const pid = child.pid ?? 0;
  let killing: Promise<void> | undefined;
  return {
    pid,
    kill: () => {
      killing ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        process.kill(pid, 'SIGKILL');
        await exited;
      })();
      return killing;
    },
  };
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (message: string) => {
      clearTimeout(timer);
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`${message}: ${output.slice(-1000)}`));
    };
    const timer = setTimeout(() => fail(`test worker not ready after ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code) => fail(`test worker exited with ${code}`));
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve();
      }
    });
  });
}
