import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '@egress/service-runtime';

/** A third-party stream receiver (FFmpeg) that records what it gets and decodes it live. */
export interface StreamReceiver {
  /** The URL a destination sends to. */
  readonly url: string;
  /** The capture: the stream copied as received (MPEG-TS for SRT, FLV for RTMP). */
  readonly path: string;
  /** `performance.now()` when the first decoded video frame came out; undefined before. */
  firstFrameAtMs(): number | undefined;
  /** What FFmpeg logged at level error while receiving and decoding. */
  stderr(): string;
  /** Resolves when FFmpeg ended by itself (the sender closed its connection). */
  readonly exited: Promise<void>;
  /** Kills FFmpeg by PID if it still runs, and waits for it. */
  close(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  socket.close();
  return port;
}

/** Whether `port` is bound (UDP) or listening (TCP) in this network namespace. */
async function isBound(protocol: 'udp' | 'tcp', port: number): Promise<boolean> {
  const table = await readFile(`/proc/net/${protocol}`, 'utf8').catch(() => '');
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // "sl local_address rem_address st ...", addresses as HEXIP:HEXPORT; TCP st 0A is LISTEN
  return table.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1]?.endsWith(suffix) === true && (protocol === 'udp' || fields[3] === '0A');
  });
}

/**
 * Starts FFmpeg as an SRT listener or an RTMP server (`-listen 1`) for one sender. It copies the
 * stream into `path` and also decodes the video (one thread, no frame delay) to tiny raw frames
 * on its stdout, flushed per frame: the first bytes there mark the first decodable frame. Undecodable frames show
 * in {@link StreamReceiver.stderr} (`non-existing PPS`, `no frame!`).
 */
export async function startStreamReceiver(
  protocol: 'srt' | 'rtmp',
  path: string,
): Promise<StreamReceiver> {
  const port = protocol === 'srt' ? await freeUdpPort() : await findFreePort();
  const url =
    protocol === 'srt' ? `srt://127.0.0.1:${port}` : `rtmp://127.0.0.1:${port}/live/test-key`;
  const input = protocol === 'srt' ? ['-i', `${url}?mode=listener`] : ['-listen', '1', '-i', url];
  const child: ChildProcess = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-threads', '1'],
      // probe 0.1 s instead of 5 s: the stream's parameters come with its first keyframe
      ...['-analyzeduration', '100000', ...input],
      ...['-map', '0', '-c', 'copy', '-f', protocol === 'srt' ? 'mpegts' : 'flv', path],
      ...['-map', '0:v:0', '-s', '16x16', '-pix_fmt', 'gray', '-f', 'rawvideo'],
      ...['-flush_packets', '1', 'pipe:1'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let firstFrameAtMs: number | undefined;
  child.stdout?.on('data', () => {
    firstFrameAtMs ??= performance.now();
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
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
  while (!(await isBound(protocol === 'srt' ? 'udp' : 'tcp', port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await close();
      throw new Error(`the ffmpeg ${protocol} receiver did not start: ${stderr}`);
    }
    await sleep(50);
  }
  return {
    url,
    path,
    firstFrameAtMs: () => firstFrameAtMs,
    stderr: () => stderr,
    exited,
    close,
  };
}
