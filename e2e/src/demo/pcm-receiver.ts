import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The PCM format an audio track egress sends over its WebSocket (S16LE, 48 kHz, stereo). */
export const PCM_FORMAT = { sampleRate: 48_000, channels: 2, bitsPerSample: 16 } as const;

/** What one connection delivered. */
export interface PcmSession {
  /** The upgrade request's `Content-Type` (the egress sends `audio/x-raw`). */
  contentType: string | undefined;
  /** Binary payload bytes received. */
  pcmBytes: number;
  /** Text messages (`{"muted":…}`), in order. */
  textMessages: string[];
  /** Whether the egress closed with a close frame. */
  isClosedCleanly: boolean;
}

/** A running receiver; see {@link startPcmReceiver}. */
export interface PcmReceiver {
  /** `ws://127.0.0.1:<port>/<path>` to give the track egress. */
  url: string;
  /** Every connection so far. */
  readonly sessions: readonly PcmSession[];
  /** Resolves when a connection has ended (close frame or socket end). */
  ended(): Promise<PcmSession>;
  /**
   * Writes what the first connection sent to `path` as a WAV file (or raw PCM when the path
   * ends in `.pcm`); returns the PCM byte count.
   */
  save(path: string): Promise<number>;
  close(): Promise<void>;
}

/** A 44-byte RIFF/WAVE header for {@link PCM_FORMAT}. */
export function wavHeader(dataBytes: number): Buffer {
  const { sampleRate, channels, bitsPerSample } = PCM_FORMAT;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE((sampleRate * channels * bitsPerSample) / 8, 28);
  h.writeUInt16LE((channels * bitsPerSample) / 8, 32);
  h.writeUInt16LE(bitsPerSample, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

function frame(opcode: number, payload: Buffer): Buffer {
  // Server frames are unmasked; control frames stay under 126 bytes.
  return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
}

/**
 * A WebSocket server on 127.0.0.1 that takes what an audio track egress sends (egress-go-behavior
 * §6): binary PCM frames, text mute messages, pings and a close. Just enough of RFC 6455 for that
 * (no extensions); each connection's PCM is kept in memory (a 10 s recording is ~1.9 MB).
 */
export async function startPcmReceiver(path = '/pcm'): Promise<PcmReceiver> {
  const sessions: PcmSession[] = [];
  const chunks: Buffer[][] = [];
  const enders: Array<(s: PcmSession) => void> = [];
  const endedSessions: PcmSession[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('websocket only\n');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const key = req.headers['sec-websocket-key'];
    if (new URL(req.url ?? '/', 'http://x').pathname !== path || typeof key !== 'string') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    sockets.add(socket);
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const session: PcmSession = {
      contentType: req.headers['content-type'],
      pcmBytes: 0,
      textMessages: [],
      isClosedCleanly: false,
    };
    const pcm: Buffer[] = [];
    sessions.push(session);
    chunks.push(pcm);
    let pending = Buffer.alloc(0);
    let message: Buffer[] = [];
    let messageOpcode = 0;
    let isEnded = false;
    const end = () => {
      if (isEnded) return;
      isEnded = true;
      endedSessions.push(session);
      for (const resolveEnded of enders.splice(0)) resolveEnded(session);
    };
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        if (pending.length < 2) return;
        const b0 = pending[0] ?? 0;
        const b1 = pending[1] ?? 0;
        let length = b1 & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (pending.length < 4) return;
          length = pending.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (pending.length < 10) return;
          length = Number(pending.readBigUInt64BE(2));
          offset = 10;
        }
        const isMasked = (b1 & 0x80) !== 0;
        const mask = isMasked ? pending.subarray(offset, offset + 4) : undefined;
        if (isMasked) offset += 4;
        if (pending.length < offset + length) return;
        const payload = Buffer.from(pending.subarray(offset, offset + length));
        pending = pending.subarray(offset + length);
        if (mask) {
          for (let i = 0; i < payload.length; i++) {
            payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
          }
        }
        const opcode = b0 & 0x0f;
        const isFinal = (b0 & 0x80) !== 0;
        if (opcode === 0x8) {
          session.isClosedCleanly = true;
          socket.end(frame(0x8, payload.subarray(0, 2)));
          end();
          return;
        }
        if (opcode === 0x9) {
          socket.write(frame(0xa, payload));
          continue;
        }
        if (opcode === 0xa) continue;
        if (opcode !== 0) {
          messageOpcode = opcode;
          message = [];
        }
        message.push(payload);
        if (!isFinal) continue;
        const body = Buffer.concat(message);
        message = [];
        if (messageOpcode === 0x2) {
          pcm.push(body);
          session.pcmBytes += body.length;
        } else if (messageOpcode === 0x1) {
          session.textMessages.push(body.toString('utf8'));
        }
      }
    });
    socket.on('close', () => {
      sockets.delete(socket);
      end();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}${path}`,
    sessions,
    ended: () => {
      const done = endedSessions[0];
      if (done) return Promise.resolve(done);
      return new Promise((resolveEnded) => enders.push(resolveEnded));
    },
    async save(file) {
      const data = Buffer.concat(chunks[0] ?? []);
      await writeFile(
        file,
        file.endsWith('.pcm') ? data : Buffer.concat([wavHeader(data.length), data]),
      );
      return data.length;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolveClose());
      }),
  };
}
