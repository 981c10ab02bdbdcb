import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '@egress/service-runtime';

/** A local RTMP server (node-media-server) for stream tests. */
export interface TestRtmpServer {
  /** `rtmp://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** Kills the server by PID and waits for it. */
  close(): Promise<void>;
}

async function isListening(port: number): Promise<boolean> {
  const socket = new Socket();
  try {
    socket.connect(port, '127.0.0.1');
    await Promise.race([
      once(socket, 'connect'),
      once(socket, 'error').then(() => Promise.reject()),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * Starts node-media-server on 127.0.0.1 free ports with its own copy of the config file in
 * `workDir` (it writes generated secrets into its config file).
 */
export async function startRtmpServer(workDir: string): Promise<TestRtmpServer> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('node-media-server/package.json')), 'bin');
  await mkdir(workDir, { recursive: true });
  const configPath = join(workDir, 'config.json');
  // it resolves key.pem and cert.pem next to its config file
  for (const name of ['config.json', 'key.pem', 'cert.pem']) {
    await copyFile(join(bin, name), join(workDir, name));
  }
  const [rtmp, rtmps, http, https] = [
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
  ];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(bin, 'app.js'),
      '-c',
      configPath,
      '-b',
      '127.0.0.1',
      '--rtmp-port',
      String(rtmp),
      '--rtmps-port',
      String(rtmps),
      '--http-port',
      String(http),
      '--https-port',
      String(https),
      '--no-admin',
      '--data-path',
      join(workDir, 'data'),
      '--record-path',
      join(workDir, 'record'),
    ],
    { cwd: workDir, stdio: 'ignore' },
  );
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = once(child, 'exit');
    process.kill(child.pid, 'SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 15_000;
  while (!(await isListening(rtmp))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await close();
      throw new Error('node-media-server did not start');
    }
    await sleep(100);
  }
  return { baseUrl: `rtmp://127.0.0.1:${rtmp}`, close };
}
