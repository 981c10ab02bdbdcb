import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PcmReceiver, startPcmReceiver, wavHeader } from './pcm-receiver.js';

/** A masked client frame (RFC 6455 §5.2). */
function clientFrame(opcode: number, payload: Buffer, isFinal = true): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
  let header: Buffer;
  if (payload.length < 126) header = Buffer.from([0, 0x80 | payload.length]);
  else if (payload.length < 65_536) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(payload.length, 2);
    header[1] = 0x80 | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(payload.length), 2);
    header[1] = 0x80 | 127;
  }
  header[0] = (isFinal ? 0x80 : 0) | opcode;
  return Buffer.concat([header, mask, masked]);
}

function connect(url: string): Promise<Socket> {
  const { port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: pathname,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-version': '13',
        'content-type': 'audio/x-raw',
      },
    });
    req.once('upgrade', (_res, socket) => resolve(socket));
    req.once('response', (res) => reject(new Error(`answered ${res.statusCode}`)));
    req.once('error', reject);
    req.end();
  });
}

describe('startPcmReceiver', () => {
  let receiver: PcmReceiver;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcm-receiver-'));
    receiver = await startPcmReceiver();
    const socket = await connect(receiver.url);
    socket.on('data', () => undefined);
    socket.write(clientFrame(0x2, Buffer.alloc(100, 1)));
    socket.write(clientFrame(0x1, Buffer.from('{"muted":true}')));
    socket.write(clientFrame(0x9, Buffer.from('hi')));
    // A 70 000-byte message in two fragments: the 64-bit length and a continuation.
    socket.write(clientFrame(0x2, Buffer.alloc(70_000, 2), false));
    socket.write(clientFrame(0x0, Buffer.alloc(200, 3)));
    socket.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    await receiver.ended();
    socket.destroy();
  });

  after(async () => {
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the binary payloads, fragments joined', () => {
    assert.equal(receiver.sessions[0]?.pcmBytes, 100 + 70_000 + 200);
  });

  it('keeps the text messages and the content type', () => {
    assert.deepEqual(receiver.sessions[0]?.textMessages, ['{"muted":true}']);
    assert.equal(receiver.sessions[0]?.contentType, 'audio/x-raw');
  });

  it('notes a clean close', () => {
    assert.equal(receiver.sessions[0]?.isClosedCleanly, true);
  });

  it('saves a WAV file with a header for 48 kHz stereo S16LE', async () => {
    const path = join(dir, 'a.wav');
    assert.equal(await receiver.save(path), 70_300);
    const file = await readFile(path);
    assert.deepEqual(file.subarray(0, 44), wavHeader(70_300));
    assert.equal(file.length, 44 + 70_300);
    assert.equal(file.readUInt32LE(24), 48_000);
    assert.equal(file.readUInt16LE(22), 2);
  });

  it('saves raw PCM for a .pcm path', async () => {
    const path = join(dir, 'a.pcm');
    await receiver.save(path);
    const file = await readFile(path);
    assert.equal(file.length, 70_300);
    assert.equal(file[0], 1);
    assert.equal(file.at(-1), 3);
  });

  it('answers 404 on another path', async () => {
    await assert.rejects(connect(receiver.url.replace('/pcm', '/other')));
  });
});
