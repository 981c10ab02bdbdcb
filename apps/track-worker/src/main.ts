import { createLogger } from '@egress/protocol';
import { handleShutdown, loadServiceConfigOrExit, startServiceBase } from '@egress/service-runtime';
import { dispose } from '@livekit/rtc-node';
import { startTrackWorker } from './track-worker.js';

const config = loadServiceConfigOrExit(process.env, ['redis']);
const logger = createLogger({ service: 'track-worker', level: config.logLevel });
const base = await startServiceBase({ config, logger, redisRole: 'worker' });
// Go egress up to v1.5 named the working folder `local_directory`; absent: the OS temp folder.
const worker = await startTrackWorker({ config, logger, tmpRoot: config.localDirectory });
logger.info({ healthPort: base.health?.port }, 'service started');
// First SIGTERM: no new job is taken and running egresses finish (worker.close waits for them);
// rtc-node's runtime keeps the process alive until it is disposed.
handleShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  close: async () => {
    await worker.close();
    await dispose();
    await base.close();
  },
});
