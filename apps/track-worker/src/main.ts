import {
  createLogger,
  handleShutdown,
  loadServiceConfigOrExit,
  startServiceBase,
} from '@egress/protocol';

// Skeleton until the track worker lands (#9): it connects Redis and reports health.
const config = loadServiceConfigOrExit(process.env, ['redis']);
const logger = createLogger({ service: 'track-worker', level: config.logLevel });
const base = await startServiceBase({ config, logger, redisRole: 'worker' });
logger.info({ healthPort: base.health?.port }, 'service started');
handleShutdown({ logger, graceMs: config.shutdownGraceMs, close: () => base.close() });
