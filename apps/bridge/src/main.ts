import {
  createLogger,
  handleShutdown,
  loadServiceConfigOrExit,
  startServiceBase,
} from '@egress/protocol';
import { startBridge } from './bridge.js';

const config = loadServiceConfigOrExit(process.env, ['redis']);
const logger = createLogger({ service: 'bridge', level: config.logLevel });
// The service base serves /health until the bridge's own operations endpoints land (#3).
const base = await startServiceBase({ config, logger, redisRole: 'producer' });
const bridge = await startBridge({ config, logger });
logger.info({ apiPort: bridge.apiPort, healthPort: base.health?.port }, 'bridge started');
handleShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  close: async () => {
    bridge.drain();
    await bridge.close();
    await base.close();
  },
});
