import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The built default templates (`apps/templates/dist`), found relative to this file: `src/` under
 * tsx and `dist/` in a build or the Docker image both sit in `apps/composite-worker/`, next to
 * `apps/templates/`.
 */
export function defaultTemplateDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../templates/dist');
}

/** Whether `dir` holds a built template (an `index.html`). */
export function hasTemplateDir(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

/** Options of {@link startTemplateServer}. */
export interface TemplateServerOptions {
  /** The folder to serve. @defaultValue {@link defaultTemplateDir} */
  root?: string;
  /** Port (config `template_port`); 0 picks a free one. */
  port: number;
  /** Address to listen on. @defaultValue `127.0.0.1` (localhost only, as Go) */
  host?: string;
}

/** A running template server. */
export interface TemplateServer {
  /** `http://<host>:<port>/`. */
  url: string;
  /** The port it listens on. */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the built templates on `host:port`, as the Go service serves its embedded template on
 * `template_port` for the default `template_base` (`http://localhost:<template_port>/`): `/` and
 * every folder are `index.html`, files have their content type, anything else (a path outside the
 * folder, a missing file, a method other than GET/HEAD) is 404 or 405. Files are read per request.
 * @throws the listen error (e.g. `EADDRINUSE`) when the port cannot be bound.
 */
export async function startTemplateServer(options: TemplateServerOptions): Promise<TemplateServer> {
  const root = resolve(options.root ?? defaultTemplateDir());
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root + sep) || path.includes('\0')) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'content-length': body.length,
          'cache-control': 'no-cache',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      },
    );
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolveClose()));
      }),
  };
}
