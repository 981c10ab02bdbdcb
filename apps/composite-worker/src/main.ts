import { createLogger, handleShutdown, loadServiceConfigOrExit } from '@egress/protocol';
import { startCompositeWorker } from './composite-worker.js';

const config = loadServiceConfigOrExit(process.env, ['redis']);
const logger = createLogger({ service: 'composite-worker', level: config.logLevel });
const worker = await startCompositeWorker({ config, logger });
// First SIGTERM: no new job is taken and running egresses finish (worker.close waits for them).
handleShutdown({ logger, graceMs: config.shutdownGraceMs, close: () => worker.close() });
