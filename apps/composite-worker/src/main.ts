import { createLogger } from '@egress/protocol';
import { handleShutdown, loadServiceConfigOrExit, startServiceBase } from '@egress/service-runtime';
import { type CompositeWorker, startCompositeWorker } from './composite-worker.js';
import {
  defaultTemplateDir,
  hasTemplateDir,
  startTemplateServer,
  type TemplateServer,
} from './template-server.js';

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
// Go serves its embedded template on template_port (localhost only), the default template_base.
// Ours is apps/templates/dist beside this app; a port already taken (another worker on this
// machine serving the same files) is a warning, not a failed start.
let templates: TemplateServer | undefined;
const templateDir = defaultTemplateDir();
if (hasTemplateDir(templateDir)) {
  try {
    templates = await startTemplateServer({ root: templateDir, port: config.templatePort });
    logger.info({ url: templates.url }, 'template server started');
  } catch (err) {
    logger.warn({ err, port: config.templatePort }, 'template server not started');
  }
} else {
  logger.warn({ templateDir }, 'no built templates to serve; room composite needs template_base');
}
// Go egress up to v1.5 named the working folder `local_directory`; absent: the OS temp folder.
worker = await startCompositeWorker({ config, logger, tmpRoot: config.localDirectory });
logger.info({ workerId: worker.workerId, healthPort: base.health?.port }, 'service started');
// First SIGTERM: no new job is taken and running egresses finish (worker.close waits for them);
// the health endpoint stays up until they have.
handleShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  close: async () => {
    await worker?.close();
    await templates?.close();
    await base.close();
  },
});
