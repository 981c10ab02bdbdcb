import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';
import type { GcpConfig } from '../storage-config.js';

/** One stored object. */
export interface GcsFakeObject {
  data: Buffer;
  contentType: string;
  generation: number;
}

interface ResumableSession {
  bucket: string;
  name: string;
  contentType: string;
  chunks: Buffer[];
  received: number;
}

export interface GcsFakeServer {
  /** `http://127.0.0.1:<port>`, for `GcpConfig.apiEndpoint`. */
  readonly apiEndpoint: string;
  readonly port: number;
  /** Options for `bucket` on this fake. */
  config(bucket: string): GcpConfig;
  /** The stored object, or undefined. */
  getObject(bucket: string, name: string): GcsFakeObject | undefined;
  /** Requests seen, as `METHOD uploadType` (`POST multipart`, `PUT resumable`), for assertions. */
  readonly requests: readonly string[];
  /**
   * Resolves when a request labelled as in `requests` (`PUT resumable`) arrives, before its body
   * is read: the moment to `stop()` for a mid-upload failure.
   */
  waitForRequest(label: string): Promise<void>;
  /** Stops listening and cuts open connections; objects stay. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

export interface StartGcsFakeServerOptions {
  /** Buckets that exist; others answer 404. @defaultValue ['egress-test'] */
  buckets?: string[];
  /** @defaultValue 0 (any free port) */
  port?: number;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { code: status, message, errors: [{ message, reason: 'x' }] } });
}

/** Splits a `multipart/related` body into its parts (headers dropped). */
function multipartParts(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2); // drop CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    parts.push(headerEnd === -1 ? part : part.subarray(headerEnd + 4));
    pos = next;
  }
  return parts;
}

/**
 * A GCS JSON-API fake on 127.0.0.1: multipart and resumable uploads (with `Content-Range`
 * chunks and 308 answers), object metadata and media downloads. Object resources carry
 * `md5Hash` and `crc32c`, which the SDK checks after every upload.
 */
export async function startGcsFakeServer(
  options: StartGcsFakeServerOptions = {},
): Promise<GcsFakeServer> {
  const buckets = new Map<string, Map<string, GcsFakeObject>>();
  for (const b of options.buckets ?? ['egress-test']) buckets.set(b, new Map());
  const sessions = new Map<string, ResumableSession>();
  const requests: string[] = [];
  const waiters = new Set<{ label: string; resolve: () => void }>();
  let port = options.port ?? 0;
  let server: Server | undefined;
  let generation = 1;

  const base = (): string => `http://127.0.0.1:${port}`;

  const resource = (bucket: string, name: string, obj: GcsFakeObject): Record<string, unknown> => {
    const crc = new CRC32C();
    crc.update(obj.data);
    const now = new Date().toISOString();
    return {
      kind: 'storage#object',
      id: `${bucket}/${name}/${obj.generation}`,
      name,
      bucket,
      generation: String(obj.generation),
      metageneration: '1',
      contentType: obj.contentType,
      size: String(obj.data.length),
      md5Hash: createHash('md5').update(obj.data).digest('base64'),
      crc32c: crc.toString(),
      timeCreated: now,
      updated: now,
      mediaLink: `${base()}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`,
    };
  };

  const store = (bucket: string, name: string, data: Buffer, contentType: string) => {
    const obj = { data, contentType, generation: generation++ };
    buckets.get(bucket)?.set(name, obj);
    return resource(bucket, name, obj);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base());
    const uploadType = url.searchParams.get('uploadType') ?? '';
    const label = `${req.method} ${uploadType}`.trim();
    requests.push(label);
    for (const w of waiters) {
      if (w.label === label) {
        waiters.delete(w);
        w.resolve();
      }
    }
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const object = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    const bucketName = decodeURIComponent((upload ?? object)?.[1] ?? '');
    const body = await readBody(req);
    if (!upload && !object) return sendError(res, 404, 'Not Found');
    if (!buckets.has(bucketName)) {
      return sendError(res, 404, 'The specified bucket does not exist.');
    }

    if (upload && req.method === 'POST' && uploadType === 'multipart') {
      const boundary = /boundary="?([^";]+)"?/.exec(req.headers['content-type'] ?? '')?.[1];
      if (!boundary) return sendError(res, 400, 'missing multipart boundary');
      const [metaPart, mediaPart] = multipartParts(body, boundary);
      if (!metaPart || !mediaPart) return sendError(res, 400, 'expected metadata and media parts');
      const meta = JSON.parse(metaPart.toString()) as { name?: string; contentType?: string };
      const name = meta.name ?? url.searchParams.get('name');
      if (!name) return sendError(res, 400, 'missing object name');
      return sendJson(
        res,
        200,
        store(
          bucketName,
          name,
          Buffer.from(mediaPart),
          meta.contentType ?? 'application/octet-stream',
        ),
      );
    }

    if (upload && req.method === 'POST' && uploadType === 'resumable') {
      const meta = (body.length > 0 ? JSON.parse(body.toString()) : {}) as {
        name?: string;
        contentType?: string;
      };
      const name = meta.name ?? url.searchParams.get('name');
      if (!name) return sendError(res, 400, 'missing object name');
      const id = randomUUID();
      sessions.set(id, {
        bucket: bucketName,
        name,
        contentType:
          meta.contentType ??
          String(req.headers['x-upload-content-type'] ?? 'application/octet-stream'),
        chunks: [],
        received: 0,
      });
      const location = `${base()}/upload/storage/v1/b/${bucketName}/o?uploadType=resumable&upload_id=${id}`;
      res.writeHead(200, { location, 'content-length': 0 });
      return void res.end();
    }

    if (upload && req.method === 'PUT' && uploadType === 'resumable') {
      const session = sessions.get(url.searchParams.get('upload_id') ?? '');
      if (!session) return sendError(res, 404, 'No such upload session');
      const range = /bytes (\*|(\d+)-(\d+))\/(\*|\d+)/.exec(String(req.headers['content-range']));
      const total = range?.[4] && range[4] !== '*' ? Number(range[4]) : undefined;
      if (range?.[2] !== undefined) {
        const start = Number(range[2]);
        if (start !== session.received) {
          return sendError(res, 400, `chunk starts at ${start}, expected ${session.received}`);
        }
        session.chunks.push(body);
        session.received += body.length;
      } else if (!range && body.length > 0) {
        session.chunks.push(body);
        session.received += body.length;
      }
      const complete = range ? total !== undefined && session.received >= total : true;
      if (complete) {
        sessions.delete(url.searchParams.get('upload_id') ?? '');
        return sendJson(
          res,
          200,
          store(session.bucket, session.name, Buffer.concat(session.chunks), session.contentType),
        );
      }
      const headers: Record<string, string | number> = { 'content-length': 0 };
      if (session.received > 0) headers.range = `bytes=0-${session.received - 1}`;
      res.writeHead(308, headers);
      return void res.end();
    }

    if (object && req.method === 'GET') {
      const name = decodeURIComponent(object[2] ?? '');
      const obj = buckets.get(bucketName)?.get(name);
      if (!obj) return sendError(res, 404, 'No such object');
      if (url.searchParams.get('alt') === 'media') {
        res.writeHead(200, {
          'content-type': obj.contentType,
          'content-length': obj.data.length,
          'x-goog-hash': `crc32c=${resource(bucketName, name, obj).crc32c},md5=${createHash('md5').update(obj.data).digest('base64')}`,
        });
        return void res.end(obj.data);
      }
      return sendJson(res, 200, resource(bucketName, name, obj));
    }
    return sendError(res, 405, 'Method not supported by the fake');
  };

  const listen = async (): Promise<void> => {
    const s = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        // A broken request must answer, not hang the client.
        if (!res.headersSent) sendError(res, 500, (err as Error).message);
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    apiEndpoint: base(),
    port,
    config: (bucket) => ({ bucket, apiEndpoint: base() }),
    getObject: (bucket, name) => buckets.get(bucket)?.get(name),
    requests,
    waitForRequest: (label) =>
      new Promise<void>((resolve) => {
        waiters.add({ label, resolve });
      }),
    stop,
    restart: listen,
    close: stop,
  };
}
