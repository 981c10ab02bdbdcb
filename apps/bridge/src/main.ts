import {
  createLogger,
  handleShutdown,
  loadServiceConfigOrExit,
  startServiceBase,
} from '@egress/protocol';

// Skeleton until the bridge lands (#3): it connects Redis and reports health.
const config = loadServiceConfigOrExit(process.env, ['redis']);
const logger = createLogger({ service: 'bridge', level: config.logLevel });
const base = await startServiceBase({ config, logger, redisRole: 'producer' });
logger.info({ healthPort: base.health?.port }, 'service started');
handleShutdown({ logger, graceMs: config.shutdownGraceMs, close: () => base.close() });
