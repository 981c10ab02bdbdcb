import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePorts } from '@egress/service-runtime';

/** A running {@link startRtmpCapture}. */
export interface RtmpCapture {
  /** `rtmp://127.0.0.1:<port>/live/<name>` to publish to. */
  readonly url: string;
  /** The FLV file the published stream is copied into. */
  readonly path: string;
  /**
   * Resolves once the publisher has gone and ffmpeg has closed the file (or after `deadlineMs`,
   * when it is stopped).
   */
  finished(deadlineMs?: number): Promise<void>;
  /** Stops ffmpeg (by PID) if it still runs. */
  close(): Promise<void>;
}

/**
 * Whether something listens on 127.0.0.1:`port`, read from /proc/net/tcp (this network
 * namespace's sockets) instead of connecting: ffmpeg's `-listen 1` would take a probe connection
 * for its one publisher and exit on the missing handshake.
 */
async function isListening(port: number): Promise<boolean> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // Columns: sl, local_address, rem_address, st (0A = LISTEN), ...
  return table.split('\n').some((line) => {
    const [, address, , state] = line.trim().split(/\s+/);
    return address === local && state === '0A';
  });
}

/**
 * An RTMP server for one publisher: `ffmpeg -listen 1` on a free 127.0.0.1 port that copies the
 * published stream, untouched, into `path` (FLV), to be probed once the publisher has gone. It
 * accepts exactly one connection: the egress's stream destination.
 */
export async function startRtmpCapture(path: string, name = 'stream'): Promise<RtmpCapture> {
  const [port = 0] = await findFreePorts(1);
  const url = `rtmp://127.0.0.1:${port}/live/${name}`;
  const child: ChildProcess = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-listen',
      '1',
      '-i',
      url,
      '-c',
      'copy',
      '-f',
      'flv',
      path,
    ],
    { stdio: 'ignore' },
  );
  const exited = once(child, 'exit').then(() => undefined);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    await Promise.race([exited, sleep(5_000)]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  for (let i = 0; !(await listensOrExited(port, child)); i++) {
    if (i > 100) {
      await stop();
      throw new Error(`ffmpeg did not listen on ${port} for ${url}`);
    }
    await sleep(100);
  }
  if (child.exitCode !== null) throw new Error(`ffmpeg exited with ${child.exitCode} at start`);
  return {
    url,
    path,
    finished: async (deadlineMs = 15_000) => {
      await Promise.race([exited, sleep(deadlineMs)]);
      await stop();
    },
    close: stop,
  };
}

async function listensOrExited(port: number, child: ChildProcess): Promise<boolean> {
  return child.exitCode !== null || (await isListening(port));
}
