import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { type AccessTokenChecker, HttpError, tokenFromRequest } from './access-token.js';
import type { TestSfuLogger } from './logger.js';
import { ParticipantSession } from './participant-session.js';
import type { RoomRegistry } from './room-registry.js';

/** Options for {@link createUpgradeHandler}. */
export interface UpgradeHandlerOptions {
  tokens: AccessTokenChecker;
  rooms: RoomRegistry;
  wss: WebSocketServer;
  iceIp: string | undefined;
  logger: TestSfuLogger;
}

/**
 * WebSocket upgrades: `/rtc` (dual peer connection signalling) with a valid token joins the
 * room; a bad token gets 401 with the reason; `/rtc/v1` and anything else gets 404, which is how
 * rtc-node and livekit-client learn to fall back to `/rtc`.
 */
export function createUpgradeHandler(
  options: UpgradeHandlerOptions,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    upgrade(options, req, socket, head).catch((err: unknown) => {
      options.logger.error({ err }, 'signalling upgrade failed');
      socket.destroy();
    });
  };
}

async function upgrade(
  options: UpgradeHandlerOptions,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://test-sfu');
  if (url.pathname !== '/rtc') {
    rejectUpgrade(socket, 404, 'not found');
    return;
  }
  let grants: Awaited<ReturnType<AccessTokenChecker['verifyJoin']>>;
  try {
    grants = await options.tokens.verifyJoin(tokenFromRequest(req, url));
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    options.logger.debug({ status: err.status }, 'signalling upgrade rejected');
    rejectUpgrade(socket, err.status, err.message);
    return;
  }
  const ws = await new Promise<WebSocket>((resolve) =>
    options.wss.handleUpgrade(req, socket, head, resolve),
  );
  // The grants always carry a room: verifyJoin checked it.
  const room = options.rooms.getOrCreate(grants.video?.room ?? '');
  const session = new ParticipantSession({
    room,
    socket: ws,
    grants,
    autoSubscribe: url.searchParams.get('auto_subscribe') !== '0',
    iceIp: options.iceIp,
    logger: options.logger,
  });
  session.listen(() => {
    room.remove(session).catch((err: unknown) => {
      options.logger.error({ err }, 'removing a disconnected participant failed');
    });
  });
  await room.join(session);
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = status === 401 ? 'Unauthorized' : 'Not Found';
  const body = Buffer.from(message);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Access-Control-Allow-Origin: *\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${message}`,
  );
}
