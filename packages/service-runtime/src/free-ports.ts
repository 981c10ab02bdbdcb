import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';

/** Ports are picked at or above this (clear of well-known and registered service ports). */
const PORT_FLOOR = 20_000;
/** Linux's default start of the ephemeral range, when /proc cannot be read. */
const DEFAULT_EPHEMERAL_LOW = 32_768;
const TRIES_PER_PORT = 100;

/** The first port the kernel hands out on its own (port 0 binds and outgoing connections). */
async function ephemeralLow(): Promise<number> {
  try {
    const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    const low = Number(range.trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

function listenOn(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * `count` distinct TCP ports free on `host`, for a child process that must be told its port
 * (gst-launch's `tcpserversink`, a service's health port). They are picked below the kernel's
 * ephemeral range, so no other process's outgoing connection or port-0 listener can take one
 * between this check and the child's bind (only an explicit bind could); each is held open until
 * all are picked, so none is handed out twice. Checked on 0.0.0.0 by default, which fails when
 * any address holds the port.
 */
export async function findFreePorts(count: number, host = '0.0.0.0'): Promise<number[]> {
  const high = await ephemeralLow();
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      let server: Server | undefined;
      let port = 0;
      for (let tries = 0; !server && tries < TRIES_PER_PORT; tries++) {
        port = high > PORT_FLOOR ? PORT_FLOOR + Math.floor(Math.random() * (high - PORT_FLOOR)) : 0;
        if (!ports.includes(port)) server = await listenOn(port, host);
      }
      const address = server?.address();
      if (!server || !address || typeof address !== 'object') {
        throw new Error(`no free TCP port on ${host}`);
      }
      held.push(server);
      ports.push(address.port);
    }
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
  return ports;
}

/** One port from {@link findFreePorts}. */
export async function findFreePort(host?: string): Promise<number> {
  const [port] = await findFreePorts(1, host);
  if (port === undefined) throw new Error('no free TCP port');
  return port;
}
