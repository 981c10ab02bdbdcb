import { createLogger } from '@egress/protocol';
import { handleShutdown, loadServiceConfigOrExit } from '@egress/service-runtime';
import { startBridge } from './bridge.js';

const config = loadServiceConfigOrExit(process.env, ['redis']);
const logger = createLogger({ service: 'bridge', level: config.logLevel });
const bridge = await startBridge({ config, logger });
handleShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  // drain() stops psrpc claims and new starts at once; close() then waits for the requests in
  // flight on both doors before it closes queues and Redis (bridge.ts closes in reverse order).
  close: async () => {
    bridge.drain();
    await bridge.close();
  },
});
