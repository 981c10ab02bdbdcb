import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyMessage } from '@bufbuild/protobuf';
import { EgressError, type Logger } from '@egress/protocol';
import type { TokenVerifier } from 'livekit-server-sdk';
import type { EgressService } from '../egress-service.js';
import { authorizeRecording } from './twirp-auth.js';
import { EGRESS_METHODS, EGRESS_SERVICE_PATH, type TwirpMethod } from './twirp-methods.js';

/** Options of {@link TwirpServer}. */
export interface TwirpServerOptions {
  service: EgressService;
  /** Verifies Bearer tokens (api_key/api_secret). */
  verifier: TokenVerifier;
  logger: Logger;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Address to bind. @defaultValue '0.0.0.0' */
  host?: string;
  /** Largest request body accepted, bytes. @defaultValue 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /**
   * Other handlers on the same port (health, metrics, Bull Board), each owning a path and
   * everything below it; every other path is Twirp's. @defaultValue []
   */
  mounts?: readonly HttpMount[];
}

/** A handler that owns `path` and every path below it on the Twirp server's port. */
export interface HttpMount {
  /** Absolute path without a trailing slash, such as `/health`. */
  readonly path: string;
  /** Answers the request (it sees the full URL). */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
}

function mountFor(mounts: readonly HttpMount[], url: string | undefined): HttpMount | undefined {
  const path = (url ?? '').split('?')[0] ?? '';
  return mounts.find((m) => path === m.path || path.startsWith(`${m.path}/`));
}

/** Default largest request body: 1 MiB, far above any egress request. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const CONTENT_TYPES = {
  json: 'application/json',
  protobuf: 'application/protobuf',
} as const;
type Encoding = keyof typeof CONTENT_TYPES;

// Quoted request parts (paths, content types) are cut short: they are caller data.
function quote(value: string): string {
  const cut = value.length > 100 ? `${value.slice(0, 100)}...` : value;
  return JSON.stringify(cut);
}

function encodingOf(contentType: string | undefined): Encoding {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === CONTENT_TYPES.json) return 'json';
  if (mediaType === CONTENT_TYPES.protobuf) return 'protobuf';
  throw new EgressError(
    'bad_route',
    `unexpected Content-Type ${quote(contentType ?? '')}: send application/json or application/protobuf`,
  );
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    EgressError.invalidArgument(`request body is larger than ${maxBytes} bytes: send less`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let isDone = false;
    const finish = (err: EgressError | undefined) => {
      if (isDone) return;
      isDone = true;
      req.off('data', onData);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(tooLarge());
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(undefined));
    req.once('error', () => finish(EgressError.invalidArgument('request body could not be read')));
  });
}

// bufbuild's errors name the field and may quote its value; only the field name is kept.
function decodeError(method: TwirpMethod, encoding: Encoding, err: unknown): EgressError {
  const typeName = method.input.typeName;
  const text = err instanceof Error ? err.message : '';
  const field = /cannot decode field ([\w.]+)/.exec(text)?.[1];
  const where = field ? ` (field ${field})` : '';
  const what = encoding === 'json' ? 'JSON' : 'protobuf';
  return new EgressError('malformed', `the body is not a valid ${typeName} in ${what}${where}`, {
    cause: err,
  });
}

function decode(method: TwirpMethod, encoding: Encoding, body: Buffer): AnyMessage {
  try {
    if (encoding === 'protobuf') return method.input.fromBinary(body);
    const json: unknown = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new EgressError(
        'malformed',
        `the body must be a JSON object (${method.input.typeName})`,
      );
    }
    return method.input.fromJson(json as Parameters<typeof method.input.fromJson>[0], {
      ignoreUnknownFields: true,
    });
  } catch (err) {
    if (err instanceof EgressError) throw err;
    throw decodeError(method, encoding, err);
  }
}

/**
 * The Twirp door: `POST /twirp/livekit.Egress/<Method>` with JSON or protobuf bodies, answered
 * in the same encoding, with livekit-server's Bearer JWT auth (`roomRecord`) and Twirp error
 * bodies (`{"code","msg","meta"}`, always JSON). No input can crash it: every failure becomes a
 * Twirp error.
 */
export class TwirpServer {
  readonly #service: EgressService;
  readonly #verifier: TokenVerifier;
  readonly #log: Logger;
  readonly #port: number;
  readonly #host: string;
  readonly #maxBodyBytes: number;
  readonly #server: Server;
  #closing: Promise<void> | undefined;

  constructor(options: TwirpServerOptions) {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new TypeError('TwirpServer: port must be an integer from 0 to 65535');
    }
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
      throw new TypeError('TwirpServer: maxBodyBytes must be a positive integer');
    }
    this.#service = options.service;
    this.#verifier = options.verifier;
    this.#log = options.logger.child({ component: 'twirp-server' });
    this.#port = options.port;
    this.#host = options.host ?? '0.0.0.0';
    this.#maxBodyBytes = maxBodyBytes;
    const mounts = options.mounts ?? [];
    this.#server = createServer((req, res) => {
      const mount = mountFor(mounts, req.url);
      if (mount) {
        mount.handle(req, res);
        return;
      }
      void this.#handle(req, res).catch((err: unknown) => {
        // #handle answers every error itself; this is a last guard (a write after a reset).
        this.#log.error({ err }, 'twirp request handling failed');
      });
    });
  }

  /** Starts listening; returns the bound port. */
  async listen(): Promise<number> {
    this.#server.listen(this.#port, this.#host);
    await once(this.#server, 'listening');
    const port = (this.#server.address() as AddressInfo).port;
    this.#log.info({ port }, 'twirp server listening');
    return port;
  }

  /** Stops accepting connections and waits for in-flight requests; idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method !== 'POST') {
        throw new EgressError(
          'bad_route',
          `unsupported method ${quote(req.method ?? '')} (only POST is allowed)`,
        );
      }
      const method = path.startsWith(EGRESS_SERVICE_PATH)
        ? EGRESS_METHODS.get(path.slice(EGRESS_SERVICE_PATH.length))
        : undefined;
      if (!method) throw new EgressError('bad_route', `no handler for path ${quote(path)}`);
      const encoding = encodingOf(req.headers['content-type']);
      await authorizeRecording(req.headers.authorization, this.#verifier);
      const body = await readBody(req, this.#maxBodyBytes);
      const request = decode(method, encoding, body);
      const result = await method.run(this.#service, request);
      this.#reply(res, encoding, result);
    } catch (err) {
      this.#replyError(req, res, err);
    }
  }

  #reply(res: ServerResponse, encoding: Encoding, result: AnyMessage): void {
    const body =
      encoding === 'protobuf'
        ? Buffer.from(result.toBinary())
        : Buffer.from(
            JSON.stringify(result.toJson({ useProtoFieldName: true, emitDefaultValues: true })),
          );
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[encoding],
      'Content-Length': body.length,
    });
    res.end(body);
  }

  #replyError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const error = EgressError.from(err);
    if (error.code === 'internal' || error.code === 'unknown') {
      this.#log.error({ err }, 'twirp request failed');
    } else {
      this.#log.debug({ code: error.code, msg: error.message }, 'twirp request refused');
    }
    const body = Buffer.from(
      JSON.stringify({
        code: error.code,
        msg: error.message,
        ...(error.details ? { meta: error.details } : {}),
      }),
    );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // An unread body (refused before reading, or too large) is discarded and the connection
    // closed, so a client cannot keep streaming into it.
    const isBodyPending = !req.readableEnded;
    // The SDK reads error bodies only when the Content-Type is exactly application/json.
    res.writeHead(error.httpStatus, {
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      ...(isBodyPending ? { Connection: 'close' } : {}),
    });
    res.end(body);
    if (isBodyPending) req.resume();
  }
}
