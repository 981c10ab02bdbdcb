import { createServer } from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago (bound to port 0, then closed). gst-launch
 * cannot report the port its `tcpserversink` bound, so the caller picks one; the small race with
 * another process is acceptable on a worker that owns its loopback ports.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
