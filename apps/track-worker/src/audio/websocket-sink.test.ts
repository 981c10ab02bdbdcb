import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger, mintEgressToken, newEgressId } from '@egress/protocol';
import {
  type Bot,
  type BotKind,
  type BotStep,
  startBot,
  startTestSfu,
  type TestSfu,
} from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';
import { WebSocketServer } from 'ws';
import { runTrackEgress } from '../track-egress.js';

const apiKey = 'ws-sink-key';
const apiSecret = 'ws-sink-secret-ws-sink-secret-ws-sink-0';
const logger = createLogger({
  service: 'track-worker-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});

interface Received {
  contentType: string | undefined;
  binaryBytes: number;
  texts: string[];
  pings: number;
  closeCode: number | undefined;
}

describe('websocket output of a track egress', { timeout: 180_000 }, () => {
  let sfu: TestSfu;
  let server: WebSocketServer;
  let url: string;
  const received: Received[] = [];
  const bots: Bot[] = [];
  // When set, the server drops each connection this long after it opened.
  let dropAfterMs: number | undefined;

  before(async () => {
    sfu = await startTestSfu({ apiKey, apiSecret });
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/audio`;
    server.on('connection', (socket, request) => {
      const r: Received = {
        contentType: request.headers['content-type'],
        binaryBytes: 0,
        texts: [],
        pings: 0,
        closeCode: undefined,
      };
      received.push(r);
      socket.on('message', (data, isBinary) => {
        if (isBinary) r.binaryBytes += (data as Buffer).length;
        else r.texts.push(String(data));
      });
      socket.on('ping', () => {
        r.pings += 1;
      });
      socket.on('close', (code) => {
        r.closeCode = code;
      });
      if (dropAfterMs !== undefined) setTimeout(() => socket.terminate(), dropAfterMs);
    });
  });

  after(async () => {
    for (const bot of bots) await bot.leave();
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
    await sfu.close();
    await dispose();
  });

  async function setup(kind: BotKind, script: BotStep[] = []) {
    const room = `room-${randomUUID()}`;
    const bot = await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'bot',
      kind,
      script,
    });
    bots.push(bot);
    const trackId = (kind === 'video' ? bot.publications.video : bot.publications.audio)?.sid ?? '';
    const egressId = newEgressId();
    const token = await mintEgressToken({ apiKey, apiSecret, egressId, roomName: room });
    return { trackId, token };
  }

  it('sends 48 kHz stereo S16LE in real time, mute changes as text, pings and a close frame', async () => {
    dropAfterMs = undefined;
    const { trackId, token } = await setup('audio', [
      { atMs: 1500, action: 'mute', track: 'audio' },
      { atMs: 2500, action: 'unmute', track: 'audio' },
      { atMs: 5000, action: 'leave' },
    ]);
    const result = await runTrackEgress({
      wsUrl: sfu.url,
      token,
      trackId,
      output: { kind: 'websocket', url, redactedUrl: url, pingIntervalMs: 500 },
      logger,
    });
    assert.equal(result.status, 'complete', JSON.stringify(result));
    if (result.status !== 'complete') return;
    // The close frame's arrival at the server trails close() by a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const r = received.at(-1);
    assert.ok(r);
    assert.equal(r.contentType, 'audio/x-raw');
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    const bytesPerSec = r.binaryBytes / wallSec;
    assert.ok(Math.abs(bytesPerSec - 48_000 * 2 * 2) < 48_000 * 2 * 2 * 0.02, `${bytesPerSec} B/s`);
    assert.equal(r.binaryBytes, result.output.sizeBytes);
    assert.deepEqual(r.texts, ['{"muted":true}', '{"muted":false}']);
    assert.ok(r.pings >= 3, `${r.pings} pings`);
    assert.equal(r.closeCode, 1000);
  });

  it('fails with unavailable (503) when the peer goes away', async () => {
    dropAfterMs = 1000;
    const { trackId, token } = await setup('audio');
    const result = await runTrackEgress({
      wsUrl: sfu.url,
      token,
      trackId,
      output: { kind: 'websocket', url, redactedUrl: url },
      logger,
    });
    assert.equal(result.status, 'failed', JSON.stringify(result));
    if (result.status !== 'failed') return;
    assert.equal(result.error.code, 'unavailable');
    assert.match(result.error.message, /closed by the peer/);
  });

  it('fails with unavailable when nothing listens at the websocket url', async () => {
    const { trackId, token } = await setup('audio');
    const closed = 'ws://127.0.0.1:1/nothing';
    const result = await runTrackEgress({
      wsUrl: sfu.url,
      token,
      trackId,
      output: { kind: 'websocket', url: closed, redactedUrl: closed },
      logger,
    });
    assert.equal(result.status, 'failed');
    if (result.status !== 'failed') return;
    assert.equal(result.error.code, 'unavailable');
    assert.equal(result.error.message, `could not connect to websocket ${closed}`);
  });

  it('rejects a websocket output for a video track with a clear error', async () => {
    const { trackId, token } = await setup('video');
    const result = await runTrackEgress({
      wsUrl: sfu.url,
      token,
      trackId,
      output: { kind: 'websocket', url, redactedUrl: url },
      logger,
    });
    assert.equal(result.status, 'failed');
    if (result.status !== 'failed') return;
    assert.equal(result.error.code, 'invalid_argument');
    assert.match(result.error.message, /websocket output supports audio tracks only/);
  });
});
