import { createLogger, loadConfig } from '@egress/protocol';
import { handleShutdown } from '@egress/service-runtime';
import { startCompositeWorker } from '../composite-worker.js';

// A composite worker on GStreamer test sources (or the browser capture with
// EGRESS_TEST_MEDIA_SOURCE=web) in its own process, for drain and crash tests.
// The config YAML comes in env EGRESS_CONFIG_BODY, the BullMQ prefix in EGRESS_TEST_PREFIX;
// it prints "ready <workerId>" once it takes jobs.
const config = loadConfig(process.env, { onWarning: () => undefined });
const logger = createLogger({ service: 'composite-worker', level: config.logLevel });
const worker = await startCompositeWorker({
  config,
  logger,
  mediaSource: process.env.EGRESS_TEST_MEDIA_SOURCE === 'web' ? 'web' : 'test',
  ...(process.env.EGRESS_TEST_PREFIX ? { prefix: process.env.EGRESS_TEST_PREFIX } : {}),
  ...(process.env.EGRESS_TEST_TMP ? { tmpRoot: process.env.EGRESS_TEST_TMP } : {}),
});
process.stdout.write(`ready ${worker.workerId}\n`);
handleShutdown({ logger, graceMs: config.shutdownGraceMs, close: () => worker.close() });
