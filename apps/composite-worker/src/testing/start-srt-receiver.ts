import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** An SRT listener on 127.0.0.1 that writes what it receives to an MPEG-TS file. */
export interface TestSrtReceiver {
  /** `srt://127.0.0.1:<port>`: the URL an egress streams to. */
  readonly url: string;
  /** The MPEG-TS file it writes. */
  readonly path: string;
  /** Resolves when the receiver ended by itself (the sender closed its connection). */
  readonly exited: Promise<void>;
  /** Kills it by PID (if it still runs) and waits for it. */
  close(): Promise<void>;
}

/** A UDP port that was free a moment ago (SRT runs on UDP). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  socket.close();
  return port;
}

/** Whether a UDP socket is bound to `port` in this network namespace. */
async function isUdpBound(port: number): Promise<boolean> {
  const table = await readFile('/proc/net/udp', 'utf8').catch(() => '');
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // each line: "sl: local_address rem_address ..." (sl right-aligned in 5 columns: no leading
  // space from 10000 on) with the address as HEXIP:HEXPORT
  return table.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(suffix));
}

/**
 * Starts `ffmpeg -i srt://127.0.0.1:<port>?mode=listener -c copy out.ts`: a real SRT receiver
 * that accepts one caller and ends when that caller closes the connection.
 */
export async function startSrtReceiver(path: string): Promise<TestSrtReceiver> {
  const port = await freeUdpPort();
  const child: ChildProcess = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-y',
      '-i',
      `srt://127.0.0.1:${port}?mode=listener`,
      '-c',
      'copy',
      '-f',
      'mpegts',
      path,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGKILL');
    }
    await exited;
  };
  // generous: a loaded shared machine can take seconds to start ffmpeg
  const deadline = Date.now() + 30_000;
  while (!(await isUdpBound(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      const how = child.exitCode !== null ? `exited with ${child.exitCode}` : 'timed out';
      await close();
      throw new Error(`the ffmpeg srt listener did not start (${how}): ${stderr}`);
    }
    await sleep(100);
  }
  return {
    url: `srt://127.0.0.1:${port}`,
    path,
    exited,
    close,
  };
}
