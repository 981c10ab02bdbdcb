import {
  type ControlMessage,
  createLogger,
  EgressError,
  END_REASONS,
  egressInfoToJson,
  encodeControlReplyError,
  encodeControlReplyOk,
  MESSAGE_VERSION,
} from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';
import { dispose } from '@livekit/rtc-node';
import type { FromCellMessage, ToCellMessage } from './cell-messages.js';
import { runTrackPoolEgress } from './track-pool-egress.js';

// The entry of a cell: a process running several track egresses on one rtc-node runtime
// (README: the runtime costs ~5 % of a core per process). Started by CellPool with IPC.
const logger = createLogger({ service: 'track-worker', level: process.env.LOG_LEVEL ?? 'info' });
const controls = new Map<string, (message: ControlMessage) => Promise<EgressInfo>>();
let running = 0;

function send(message: FromCellMessage): void {
  process.send?.(message);
}

async function start(message: Extract<ToCellMessage, { type: 'start' }>): Promise<void> {
  const egressId = message.payload.egressId;
  running += 1;
  try {
    const info = await runTrackPoolEgress({
      payload: message.payload,
      config: message.config,
      logger,
      tmpDir: message.tmpDir,
      ...(message.trackWaitMs ? { trackWaitMs: message.trackWaitMs } : {}),
      onFileOutput: (file) => send({ type: 'file', egressId, file }),
      onInfo: async (next) => send({ type: 'status', egressId, info: egressInfoToJson(next) }),
      onControl: (handler) => {
        controls.set(egressId, handler);
        return () => controls.delete(egressId);
      },
    });
    send({ type: 'final', egressId, info: egressInfoToJson(info) });
  } finally {
    running -= 1;
  }
}

async function control(message: Extract<ToCellMessage, { type: 'control' }>): Promise<void> {
  const { requestId } = message.message;
  let reply: string;
  try {
    const handler = controls.get(message.egressId);
    if (!handler) throw EgressError.unavailable('the egress is not ready for control yet');
    reply = encodeControlReplyOk(requestId, await handler(message.message));
  } catch (err) {
    reply = encodeControlReplyError(requestId, EgressError.from(err));
  }
  send({ type: 'reply', egressId: message.egressId, requestId, reply });
}

process.on('message', (message: ToCellMessage) => {
  const task = message.type === 'start' ? start(message) : control(message);
  task.catch((err: unknown) => logger.error({ err }, 'cell task failed'));
});
// The worker closes the IPC channel to retire an idle cell, or after its egresses ended. With
// egresses still running the worker died: nobody could stop them any more, so they stop now
// and upload what they recorded (the bridge has failed them already, as stalled jobs).
process.on('disconnect', () => {
  void (async () => {
    if (running > 0) logger.warn({ running }, 'worker went away; ending the running egresses');
    for (const [egressId, stop] of controls) {
      const requestId = `worker-gone-${egressId}`;
      stop({
        version: MESSAGE_VERSION,
        type: 'stop',
        endReason: END_REASONS.killed,
        requestId,
        replyTo: requestId,
        egressId,
      }).catch((err: unknown) => logger.warn({ err, egressId }, 'could not stop an egress'));
    }
    while (running > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    await dispose();
    process.exit(0);
  })();
});
