import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '@egress/service-runtime';

/** An RTMP server on 127.0.0.1 that takes one publisher and writes its stream to an FLV file. */
export interface TestRtmpReceiver {
  /** `rtmp://127.0.0.1:<port>/live/<key>`: the URL an egress streams to. */
  readonly url: string;
  /** The FLV file it writes. */
  readonly path: string;
  /** Resolves when the receiver ended by itself (the publisher closed its connection). */
  readonly exited: Promise<void>;
  /** Kills it by PID (if it still runs) and waits for it. */
  close(): Promise<void>;
}

/** Whether a TCP socket listens on `port` in this network namespace. */
async function isListening(port: number): Promise<boolean> {
  const table = await readFile('/proc/net/tcp', 'utf8').catch(() => '');
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // each line: "  sl: local_address rem_address st ..."; st 0A is LISTEN
  return table.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1]?.endsWith(suffix) === true && fields[3] === '0A';
  });
}

/**
 * Starts `ffmpeg -listen 1 -i rtmp://127.0.0.1:<port>/live/<key> -c copy out.flv`: a real RTMP
 * server (FFmpeg's) for one publisher, without node-media-server (a composite-worker dev
 * dependency), ending when the publisher disconnects.
 */
export async function startRtmpReceiver(path: string, key: string): Promise<TestRtmpReceiver> {
  const port = await findFreePort();
  const url = `rtmp://127.0.0.1:${port}/live/${key}`;
  const child: ChildProcess = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
      ...['-listen', '1', '-i', url, '-c', 'copy', '-f', 'flv', path],
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100 && !(await isListening(port)); i += 1) await sleep(100);
  return {
    url,
    path,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
