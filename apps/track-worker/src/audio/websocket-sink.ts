import { EgressError, type Logger } from '@egress/protocol';
import { WebSocket } from 'ws';
import type { PcmSink } from './pcm-sink.js';

/** Options of {@link startWebsocketSink}. */
export interface WebsocketSinkOptions {
  /** `ws://` or `wss://` URL; a secret (it may hold a token): never logged or shown. */
  url: string;
  /** The URL as it may be shown (protocol's redaction). */
  redactedUrl: string;
  logger: Logger;
  /** Go pings every 30 s. @defaultValue 30000 */
  pingIntervalMs?: number;
  /** How long to wait for the connection, milliseconds. @defaultValue 10000 */
  connectDeadlineMs?: number;
  /** How long close() waits for the peer's close frame, milliseconds. @defaultValue 5000 */
  closeDeadlineMs?: number;
}

/**
 * Dials the WebSocket output of an audio track egress (egress-go-behavior.md §6): the upgrade
 * request carries `Content-Type: audio/x-raw`; binary frames carry S16LE 48 kHz stereo PCM; a
 * text frame `{"muted":true|false}` on every mute change; pings every 30 s (the `ws` library
 * answers the peer's pings); a close frame at the end. The peer going away fails the egress (503).
 *
 * @throws EgressError `unavailable` when the connection cannot be opened
 */
export async function startWebsocketSink(options: WebsocketSinkOptions): Promise<PcmSink> {
  const log = options.logger.child({ component: 'websocket-sink' });
  const ws = new WebSocket(options.url, {
    headers: { 'Content-Type': 'audio/x-raw' },
    handshakeTimeout: options.connectDeadlineMs ?? 10_000,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`the server answered ${res.statusCode}`)),
      );
    });
  } catch (err) {
    ws.terminate();
    const reason =
      err instanceof Error && /answered \d+/.test(err.message) ? `: ${err.message}` : '';
    // The raw error may quote the URL, which can hold a token: only a known-safe reason is kept.
    throw EgressError.unavailable(`could not connect to websocket ${options.redactedUrl}${reason}`);
  }
  ws.on('error', (err) => log.debug({ err }, 'websocket error'));

  let isClosing = false;
  let sentBytes = 0;
  let reportFailure: (error: EgressError) => void = () => undefined;
  const failed = new Promise<EgressError>((resolve) => {
    reportFailure = resolve;
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  void closed.then(() => {
    clearInterval(pinger);
    if (!isClosing) {
      reportFailure(EgressError.unavailable(`websocket ${options.redactedUrl} closed by the peer`));
    }
  });
  const pinger = setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.ping();
  }, options.pingIntervalMs ?? 30_000);

  const send = (data: Buffer | string) => {
    if (isClosing || ws.readyState !== WebSocket.OPEN) return;
    ws.send(data, { binary: typeof data !== 'string' }, (err) => {
      if (err && !isClosing) {
        reportFailure(
          EgressError.unavailable(`writing to websocket ${options.redactedUrl} failed`),
        );
      }
    });
  };

  let closing: Promise<{ sizeBytes: number }> | undefined;
  return {
    failed,
    write(pcm) {
      sentBytes += pcm.length;
      send(pcm);
    },
    setMuted(isMuted) {
      send(JSON.stringify({ muted: isMuted }));
    },
    close() {
      closing ??= (async () => {
        isClosing = true;
        clearInterval(pinger);
        if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'egress ended');
        const timer = setTimeout(() => ws.terminate(), options.closeDeadlineMs ?? 5000);
        await closed;
        clearTimeout(timer);
        return { sizeBytes: sentBytes };
      })();
      return closing;
    },
    destroy() {
      isClosing = true;
      clearInterval(pinger);
      ws.terminate();
    },
  };
}
