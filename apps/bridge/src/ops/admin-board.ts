import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { AdminConfig } from '@egress/protocol';
import type { Queue } from 'bullmq';
import express from 'express';
import { isAdminAuthorized } from './basic-auth.js';

/** Where Bull Board is served. */
export const ADMIN_BOARD_PATH = '/admin/queues';

/** Options of {@link createAdminBoard}. */
export interface AdminBoardOptions {
  /** The queues to show (both egress queues). */
  queues: readonly Queue[];
  /** Basic auth credentials (config `admin`). */
  admin: AdminConfig;
}

/**
 * Bull Board (an express app) for {@link ADMIN_BOARD_PATH}, behind HTTP basic auth: any
 * request without the admin's credentials gets 401 and a `WWW-Authenticate` challenge.
 */
export function createAdminBoard(
  options: AdminBoardOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_BOARD_PATH);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Egress queues' } },
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(ADMIN_BOARD_PATH, (req, res, next) => {
    if (isAdminAuthorized(req.headers.authorization, options.admin)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Basic realm="egress admin", charset="UTF-8"');
    res.status(401).type('text/plain').send('authentication required\n');
  });
  app.use(ADMIN_BOARD_PATH, serverAdapter.getRouter());
  return (req, res) => {
    app(req, res);
  };
}
