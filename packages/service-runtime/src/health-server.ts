import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@egress/protocol';

/** What a service says about itself; `isHealthy: false` answers 503. */
export interface HealthReport {
  isHealthy: boolean;
  [key: string]: unknown;
}

export interface StartHealthServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  logger: Logger;
  /** Builds the report for each request; a throw counts as unhealthy. */
  report: () => Promise<HealthReport>;
}

export interface HealthServer {
  /** The port actually bound. */
  port: number;
  close: () => Promise<void>;
}

/**
 * Serves the health report as JSON on every GET path, like the Go service's health port:
 * 200 when healthy, 503 otherwise.
 */
export async function startHealthServer(options: StartHealthServerOptions): Promise<HealthServer> {
  const log = options.logger.child({ component: 'health' });
  const server = createServer((req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    options.report().then(
      (report) => {
        res.writeHead(report.isHealthy ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report));
      },
      (err: unknown) => {
        log.warn({ err }, 'health report failed');
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ isHealthy: false, error: 'health report failed' }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  log.info({ port }, 'health server listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
