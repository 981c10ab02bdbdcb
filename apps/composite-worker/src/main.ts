import {
  createLogger,
  handleShutdown,
  loadServiceConfigOrExit,
  startServiceBase,
} from '@egress/protocol';
import { type CompositeWorker, startCompositeWorker } from './composite-worker.js';

const config = loadServiceConfigOrExit(process.env, ['redis']);
const logger = createLogger({ service: 'composite-worker', level: config.logLevel });
let worker: CompositeWorker | undefined;
const base = await startServiceBase({
  config,
  logger,
  redisRole: 'worker',
  // Go's health JSON carries `CpuLoad` (cores available) and the running egresses
  healthFields: async () => ({
    CpuLoad: worker?.cpuAvailable() ?? 0,
    activeEgressIds: worker?.activeEgressIds() ?? [],
  }),
});
worker = await startCompositeWorker({ config, logger });
logger.info({ workerId: worker.workerId, healthPort: base.health?.port }, 'service started');
// First SIGTERM: no new job is taken and running egresses finish (worker.close waits for them);
// the health endpoint stays up until they have.
handleShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  close: async () => {
    await worker?.close();
    await base.close();
  },
});
