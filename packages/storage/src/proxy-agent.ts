import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ProxyConfig } from './storage-config.js';

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

function proxyRequestOptions(proxy: ProxyConfig, host: string, port: number): http.RequestOptions {
  const url = new URL(proxy.url);
  const headers: Record<string, string> = { host: `${host}:${port}` };
  // Go sends Proxy-Authorization only when both are set (livekit/storage s3.go).
  if (proxy.username && proxy.password) {
    const basic = Buffer.from(`${proxy.username}:${proxy.password}`).toString('base64');
    headers['proxy-authorization'] = `Basic ${basic}`;
  }
  return {
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    method: 'CONNECT',
    path: `${host}:${port}`,
    headers,
  };
}

function openTunnel(
  proxy: ProxyConfig,
  host: string,
  port: number,
  done: (err: Error | null, socket?: Duplex) => void,
): void {
  const req = http.request(proxyRequestOptions(proxy, host, port));
  req.once('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      // Status only: the proxy URL may carry credentials.
      const err = Object.assign(new Error(`proxy refused the tunnel (${res.statusCode})`), {
        statusCode: res.statusCode === 407 ? 407 : 502,
      });
      done(err);
      return;
    }
    done(null, socket);
  });
  req.once('error', (err) => done(err));
  req.end();
}

/** An `http.Agent` that reaches plain-HTTP endpoints through a CONNECT tunnel. */
class HttpTunnelAgent extends http.Agent {
  readonly #proxy: ProxyConfig;
  constructor(proxy: ProxyConfig) {
    super({ keepAlive: true });
    this.#proxy = proxy;
  }
  override createConnection(
    options: http.ClientRequestArgs,
    callback?: ConnectCallback,
  ): undefined {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const port = Number(options.port ?? 80);
    openTunnel(this.#proxy, host, port, (err, socket) => {
      if (callback) callback(err, socket as Duplex);
    });
    return undefined;
  }
}

/** An `https.Agent` that reaches HTTPS endpoints through a CONNECT tunnel, TLS end to end. */
class HttpsTunnelAgent extends https.Agent {
  readonly #proxy: ProxyConfig;
  constructor(proxy: ProxyConfig) {
    super({ keepAlive: true });
    this.#proxy = proxy;
  }
  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): undefined {
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const port = Number(options.port ?? 443);
    openTunnel(this.#proxy, host, port, (err, socket) => {
      if (err || !socket) {
        if (callback) callback(err ?? new Error('proxy tunnel failed'), socket as Duplex);
        return;
      }
      const servername = options.servername ?? host;
      const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket, servername });
      secure.once('secureConnect', () => callback?.(null, secure));
      secure.once('error', (e) => callback?.(e, secure));
    });
    return undefined;
  }
}

/**
 * Agents that send every request through `proxy` with CONNECT (Go sets the transport's proxy and
 * `Proxy-Authorization` the same way). Both are returned because the endpoint may be http or https.
 */
export function createProxyAgents(proxy: ProxyConfig): {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
} {
  return { httpAgent: new HttpTunnelAgent(proxy), httpsAgent: new HttpsTunnelAgent(proxy) };
}
