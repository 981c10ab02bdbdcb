import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `Proxy-Authorization` header of each CONNECT seen (`''` when absent), in order. */
  readonly connects: { target: string; authorization: string }[];
  close(): Promise<void>;
}

/**
 * A minimal HTTP CONNECT proxy on 127.0.0.1 that tunnels to any target and records what it
 * saw, for testing `proxy_config`. With `requireAuthorization` it answers 407 to others.
 */
export async function startConnectProxy(
  options: { requireAuthorization?: string } = {},
): Promise<ConnectProxy> {
  const connects: { target: string; authorization: string }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req, client: Socket) => {
    const authorization = String(req.headers['proxy-authorization'] ?? '');
    const target = req.url ?? '';
    connects.push({ target, authorization });
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    if (options.requireAuthorization && authorization !== options.requireAuthorization) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, port] = target.split(':');
    const upstream = connect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
