import {
  createLogger,
  EgressError,
  END_REASONS,
  egressInfoToJson,
  encodeControlReplyError,
  encodeControlReplyOk,
} from '@egress/protocol';
import { EgressRunner } from './egress-runner.js';
import type { ChildMessage, ParentMessage, StartMessage } from './ipc-messages.js';
import { mediaSourceFactoryOf } from './media-source.js';

// Entry of one egress's own process (forked by the composite worker, in its own process group).
// The job payload arrives over IPC in a `start` message; status changes, control replies and the
// final EgressInfo go back the same way. If the worker goes away (IPC disconnect), the egress
// ends cleanly on its own: EOS, uploads, exit.

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, (err: Error | null) => {
      // a worker that went away cannot be told; the egress still finishes its uploads
      void err;
      resolve();
    });
  });
}

function start(message: StartMessage): void {
  const { payload, config } = message;
  const logger = createLogger({ service: 'composite-worker', level: config.logLevel }).child({
    egressId: payload.egressId,
  });
  const runner = new EgressRunner({
    payload,
    config,
    logger,
    tmpDir: message.tmpDir,
    mediaSource: mediaSourceFactoryOf(message.mediaSource),
    onStatus: (info) => void send({ type: 'status', info: egressInfoToJson(info) }),
    onProcessGroups: (pgids) => void send({ type: 'process-groups', pgids }),
    onOutputs: (outputs) =>
      void send({
        type: 'outputs',
        ...(outputs.file
          ? { file: { localPath: outputs.file.localPath, storagePath: outputs.file.storagePath } }
          : {}),
      }),
  });

  process.on('message', (raw: ParentMessage) => {
    if (raw.type !== 'control') return;
    const { message: control } = raw;
    runner.control(control).then(
      (info) =>
        send({
          type: 'reply',
          requestId: control.requestId,
          reply: encodeControlReplyOk(control.requestId, info),
        }),
      (err: unknown) =>
        send({
          type: 'reply',
          requestId: control.requestId,
          reply: encodeControlReplyError(control.requestId, EgressError.from(err)),
        }),
    );
  });
  process.once('disconnect', () => {
    logger.warn('worker went away; ending the egress');
    runner.stop(END_REASONS.killed);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => runner.stop(END_REASONS.killed));
  }

  void runner
    .run()
    .then(async (info) => {
      await send({ type: 'final', info: egressInfoToJson(info) });
      process.exit(0);
    })
    .catch((err: unknown) => {
      logger.fatal({ err }, 'egress runner crashed');
      process.exit(1);
    });
}

process.once('message', (message: ParentMessage) => {
  if (message.type === 'start') start(message);
});
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`egress process: unhandled rejection: ${String(reason)}\n`);
  process.exit(1);
});
