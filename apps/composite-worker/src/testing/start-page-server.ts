import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server on 127.0.0.1 that serves the pages a browser egress records. */
export interface TestPageServer {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** Stops listening and waits for it. */
  close(): Promise<void>;
}

/** Serves `pageFor(request path)` as text/html to every GET. */
export async function startPageServer(pageFor: (path: string) => string): Promise<TestPageServer> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(pageFor(req.url ?? '/'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
