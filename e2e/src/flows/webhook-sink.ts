import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type WebhookEvent, WebhookReceiver } from 'livekit-server-sdk';

/** A running {@link startWebhookSink}. */
export interface WebhookSink {
  /** `http://127.0.0.1:<port>/hook`. */
  readonly url: string;
  /** Every event that passed verification, in arrival order. */
  readonly events: readonly WebhookEvent[];
  /** Why each refused POST was refused (bad signature, no Authorization, ...). */
  readonly refusals: readonly string[];
  /**
   * Resolves with the first verified event that matches.
   * @throws Error after `deadlineMs` (default 30000), naming the events seen
   */
  waitFor(match: (event: WebhookEvent) => boolean, deadlineMs?: number): Promise<WebhookEvent>;
  close(): Promise<void>;
}

/**
 * A webhook endpoint on 127.0.0.1 that checks every POST with livekit-server-sdk's
 * `WebhookReceiver` (signed JWT in `Authorization`, body hash) for one key pair, answering 200
 * for a verified event and 401 otherwise.
 */
export async function startWebhookSink(apiKey: string, apiSecret: string): Promise<WebhookSink> {
  const receiver = new WebhookReceiver(apiKey, apiSecret);
  const events: WebhookEvent[] = [];
  const refusals: string[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      events.push(
        await receiver.receive(Buffer.concat(chunks).toString(), req.headers.authorization),
      );
      res.writeHead(200).end();
    } catch (err) {
      refusals.push(err instanceof Error ? err.message : String(err));
      res.writeHead(401).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    events,
    refusals,
    waitFor: async (match, deadlineMs = 30_000) => {
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        if (Date.now() > deadline) {
          const seen = events.map((e) => `${e.event} ${e.egressInfo?.egressId}`).join(', ');
          throw new Error(`no matching webhook in ${deadlineMs} ms; seen: ${seen || 'none'}`);
        }
        await sleep(100);
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
