import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A plain HTTP server with one handler. */
export interface HttpListener {
  /** The bound port. */
  readonly port: number;
  /** Stops accepting, waits for requests in flight; idempotent. */
  close(): Promise<void>;
}

/** Options of {@link listenHttp}. */
export interface ListenHttpOptions {
  /** Port; 0 picks a free one. */
  port: number;
  /** Address to bind. @defaultValue '0.0.0.0' */
  host?: string;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Serves `handle` on a port (the health and Prometheus ports, which answer on every path as
 * Go's do).
 * @throws when the port cannot be bound.
 */
export async function listenHttp(options: ListenHttpOptions): Promise<HttpListener> {
  const server = createServer(options.handle);
  server.listen(options.port, options.host ?? '0.0.0.0');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => {
      throw err;
    }),
  ]);
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
