import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AccessTokenChecker, HttpError, tokenFromRequest } from './access-token.js';
import type { TestSfuLogger } from './logger.js';
import type { RoomRegistry } from './room-registry.js';
import { handleRoomServiceCall, ROOM_SERVICE_PREFIX, TwirpError } from './twirp-room-service.js';

/** Options for {@link createRequestHandler}. */
export interface RequestHandlerOptions {
  tokens: AccessTokenChecker;
  rooms: RoomRegistry;
  logger: TestSfuLogger;
}

/**
 * Plain HTTP requests: `/rtc/validate` (200, or 401 with the reason), `/rtc/v1/validate` (404, so
 * clients fall back from single-PC signalling to `/rtc`) and the Twirp RoomService. Every answer
 * carries `Access-Control-Allow-Origin: *`: livekit-client fetches validate from the page.
 */
export function createRequestHandler(
  options: RequestHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      options.logger.error({ err }, 'http request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

async function handle(
  options: RequestHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://test-sfu');
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
    res.writeHead(204).end();
    return;
  }
  if (url.pathname === '/rtc/v1/validate' || url.pathname === '/rtc/v1') {
    // Must not say "requested room does not exist", or livekit-client will not fall back.
    sendText(res, 404, 'single peer connection signalling (/rtc/v1) is not supported');
    return;
  }
  if (url.pathname === '/rtc/validate') {
    try {
      await options.tokens.verifyJoin(tokenFromRequest(req, url));
      sendText(res, 200, 'success');
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      sendText(res, status, err instanceof Error ? err.message : 'validation failed');
    }
    return;
  }
  if (url.pathname.startsWith(ROOM_SERVICE_PREFIX) && req.method === 'POST') {
    await handleTwirp(options, req, res, url);
    return;
  }
  sendText(res, 404, 'not found');
}

async function handleTwirp(
  options: RequestHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const isProtobuf = (req.headers['content-type'] ?? '').includes('protobuf');
  try {
    const body = await readBody(req);
    let grants: Awaited<ReturnType<AccessTokenChecker['verify']>>;
    try {
      grants = await options.tokens.verify(tokenFromRequest(req, url));
    } catch (err) {
      throw new TwirpError(
        'unauthenticated',
        401,
        err instanceof Error ? err.message : 'bad token',
      );
    }
    const reply = await handleRoomServiceCall({
      method: url.pathname.slice(ROOM_SERVICE_PREFIX.length),
      body,
      encoding: isProtobuf ? 'protobuf' : 'json',
      grants,
      rooms: options.rooms,
    });
    res.writeHead(200, {
      'Content-Type': isProtobuf ? 'application/protobuf' : 'application/json',
    });
    res.end(reply);
  } catch (err) {
    const error =
      err instanceof TwirpError ? err : new TwirpError('internal', 500, 'internal error');
    if (!(err instanceof TwirpError)) options.logger.error({ err }, 'twirp call failed');
    res.writeHead(error.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(error));
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
