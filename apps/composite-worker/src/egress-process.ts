import { type PreparedWebSource, prepareWebSource } from '@egress/media';
import {
  createLogger,
  EgressError,
  END_REASONS,
  egressInfoToJson,
  encodeControlReplyError,
  encodeControlReplyOk,
} from '@egress/protocol';
import { EgressRunner } from './egress-runner.js';
import type { ChildMessage, ParentMessage, PrepareMessage, StartMessage } from './ipc-messages.js';
import { mediaSourceFactoryOf } from './media-source.js';

// Entry of one egress's own process (forked by the composite worker, in its own process group).
// A warm process first gets `prepare`: it starts its display, sink and browser, answers `ready`
// and waits. The job payload arrives over IPC in a `start` message; status changes, control
// replies and the final EgressInfo go back the same way. If the worker goes away (IPC
// disconnect), the egress ends cleanly on its own: EOS, uploads, exit; a warm process that never
// got a job closes what it prepared and exits.

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

let preparing: Promise<PreparedWebSource | undefined> | undefined;
let runner: EgressRunner | undefined;
/** Set when `start` arrives; the runner exists one tick later. */
let isStarted = false;
let isStopRequested = false;
let isLeaving = false;

/** A warm process that will run no job: close what was prepared and exit. */
function leave(code: number): void {
  if (isStarted || isLeaving) return;
  isLeaving = true;
  // the worker sees the channel close at once and hands this process no job while it closes
  if (process.connected) process.disconnect();
  void (async () => {
    const prepared = await preparing;
    await prepared?.close();
    process.exit(code);
  })();
}

function prepare(message: PrepareMessage): void {
  const { config, display, warmId } = message;
  const logger = createLogger({ service: 'composite-worker', level: config.logLevel }).child({
    warmId,
  });
  preparing = prepareWebSource({
    sinkName: warmId,
    ...display,
    chromeFlags: config.chromeFlags,
    insecure: config.insecure,
    enableSandbox: config.enableChromeSandbox,
    logger,
  }).then(
    (prepared) => {
      void prepared.failure.then((err) => {
        if (isStarted) return; // the job's web source reports it from now on
        logger.warn({ err }, 'warm egress process lost its browser or display');
        leave(1);
      });
      const chromium = prepared.processIds.chromium;
      if (!isLeaving) void send({ type: 'ready', pgids: chromium !== undefined ? [chromium] : [] });
      logger.debug({ display: prepared.display }, 'warm egress process prepared');
      return prepared;
    },
    (err: unknown) => {
      logger.error({ err }, 'warm egress process could not start its browser');
      leave(1);
      return undefined;
    },
  );
}

async function start(message: StartMessage): Promise<void> {
  const { payload, config } = message;
  const logger = createLogger({ service: 'composite-worker', level: config.logLevel }).child({
    egressId: payload.egressId,
  });
  await send({ type: 'accepted' });
  const wasWarm = preparing !== undefined;
  const prepared = await preparing;
  if (wasWarm) logger.info({ isReady: prepared !== undefined }, 'warm egress process took the job');
  runner = new EgressRunner({
    payload,
    config,
    logger,
    tmpDir: message.tmpDir,
    mediaSource: mediaSourceFactoryOf(message.mediaSource, prepared),
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
  const running = runner;
  // a signal or a lost worker between `start` and here
  if (isStopRequested || !process.connected) running.stop(END_REASONS.killed);
  process.on('message', (raw: ParentMessage) => {
    // the worker's resource watchdog (Go's StopProcess and KillEgress)
    if (raw.type === 'end') running.stop(raw.endReason);
    else if (raw.type === 'kill') running.kill(EgressError.fromJSON(raw.error));
    if (raw.type !== 'control') return;
    const { message: control } = raw;
    running.control(control).then(
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
    running.stop(END_REASONS.killed);
  });

  void running
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

process.on('message', (message: ParentMessage) => {
  if (message.type === 'prepare' && !preparing && !runner) prepare(message);
  else if (message.type === 'start' && !isStarted && !isLeaving) {
    isStarted = true;
    void start(message).catch((err: unknown) => {
      process.stderr.write(`egress process: start failed: ${String(err)}\n`);
      process.exit(1);
    });
  }
});
process.once('disconnect', () => leave(0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (runner) runner.stop(END_REASONS.killed);
    else if (isStarted) isStopRequested = true;
    else leave(0);
  });
}
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`egress process: unhandled rejection: ${String(reason)}\n`);
  process.exit(1);
});
