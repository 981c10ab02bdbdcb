import { join } from 'node:path';
import { findFreePorts } from '@egress/service-runtime';
import { type Bot, type BotOptions, startBot, startTestSfu, type TestSfu } from '@egress/test-sfu';
import { dispose as disposeRtcNode } from '@livekit/rtc-node';
import { EgressClient } from 'livekit-server-sdk';
import { type AppProcess, type EgressApp, REPO_ROOT, startAppProcess } from './app-process.js';

/** A development key pair (the secret long enough for HS256). */
export const DEMO_API_KEY = 'devkey';
export const DEMO_API_SECRET = 'devsecret-with-at-least-32-characters';

/** One bot of the room: what it publishes (see `@egress/test-sfu`'s startBot). */
export type StackBot = Pick<
  BotOptions,
  'kind' | 'isSyncSignal' | 'toneHz' | 'width' | 'height' | 'fps'
> & {
  identity: string;
};

/** Options of {@link startEgressStack}. */
export interface EgressStackOptions {
  /** Redis `host:port` every service uses. */
  redisAddress: string;
  /**
   * Redis database (`redis.db`): a test sharing Redis with others picks its own, so no other
   * worker takes its jobs. @defaultValue 0
   */
  redisDb?: number;
  /** `local_output_dir` of the workers (absolute). */
  outputDir: string;
  /** The room the bots join. */
  room: string;
  bots: StackBot[];
  /** Which workers to start beside the bridge. @defaultValue both */
  workers?: Array<Exclude<EgressApp, 'bridge'>>;
  /** A folder for one `<app>.log` per service; without one their output is kept in memory. */
  logDir?: string;
  /** `logging.level` of the services. @defaultValue `info` */
  logLevel?: string;
  /** Called with a line per step while starting. */
  onStep?: (line: string) => void;
  /** Aborts the start: what was started is stopped and the start rejects with the reason. */
  signal?: AbortSignal;
  /**
   * Top-level config keys of every service, each a YAML value (`{ max_cpu_utilization: 1 }`),
   * replacing the stack's own value of that key (drills set `cpu_cost`, `storage`, `backup`).
   */
  config?: Record<string, string>;
}

/** Everything {@link startEgressStack} started. */
export interface EgressStack {
  sfu: TestSfu;
  bots: Bot[];
  /** `livekit-server-sdk`'s client against the bridge's Twirp door. */
  client: EgressClient;
  /** The bridge's HTTP base (`http://127.0.0.1:<api_port>`). */
  apiUrl: string;
  /** The services, bridge first. */
  apps: AppProcess[];
  /** The config the services share (YAML), for messages. */
  configBody(app: EgressApp): string;
  /**
   * Starts one more instance of a worker (its own health port, the same config otherwise, with
   * `config`'s top-level keys replacing the stack's, e.g. another `storage`), added to `apps` so
   * `close` stops it too.
   */
  startWorker(
    app: Exclude<EgressApp, 'bridge'>,
    config?: Record<string, string>,
  ): Promise<AppProcess>;
  /** Stops the services (SIGTERM by PID, SIGKILL after 15 s), the bots and the SFU. Idempotent. */
  close(): Promise<void>;
}

interface StackPorts {
  api: number;
  template: number;
  health: Record<EgressApp, number>;
}

function configYaml(
  o: EgressStackOptions,
  sfu: TestSfu,
  ports: StackPorts,
  app: EgressApp,
  healthPort = ports.health[app],
  instanceConfig: Record<string, string> = {},
) {
  const keys: Record<string, string> = {
    redis: `{ address: "${o.redisAddress}", db: ${o.redisDb ?? 0} }`,
    api_key: DEMO_API_KEY,
    api_secret: DEMO_API_SECRET,
    ws_url: sfu.url,
    health_port: String(healthPort),
    api_port: String(app === 'bridge' ? ports.api : 0),
    template_port: String(ports.template),
    local_output_dir: JSON.stringify(o.outputDir),
    // One machine of a few cores: let a room composite (4 CPUs by default) in anyway.
    cpu_cost: '{ max_cpu_utilization: 1, room_composite_cpu_cost: 1, track_cpu_cost: 0.25 }',
    logging: `{ level: ${o.logLevel ?? 'info'} }`,
    ...o.config,
    ...instanceConfig,
  };
  return Object.entries(keys)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
}

/**
 * Starts the whole system on this machine, the way the README's main job runs it: the test SFU
 * with publisher bots in one room, then the bridge and the workers as child processes
 * (`apps/<app>/dist/main.js`, config in `EGRESS_CONFIG_BODY`, free ports), each waited on until
 * its health endpoint answers. Run it inside `scripts/netns-run` (WebRTC needs the veth pair).
 * On a failed start everything already started is stopped again.
 */
export async function startEgressStack(options: EgressStackOptions): Promise<EgressStack> {
  const onStep = options.onStep ?? (() => undefined);
  const step = (line: string) => {
    onStep(line);
    options.signal?.throwIfAborted();
  };
  const workers = options.workers ?? ['composite-worker', 'track-worker'];
  const apps: AppProcess[] = [];
  const bots: Bot[] = [];
  let sfu: TestSfu | undefined;
  let isClosed = false;
  const close = async () => {
    if (isClosed) return;
    isClosed = true;
    for (const app of [...apps].reverse()) await app.stop();
    await Promise.allSettled(bots.map((b) => b.leave()));
    await sfu?.close();
    await disposeRtcNode();
  };
  try {
    sfu = await startTestSfu({ apiKey: DEMO_API_KEY, apiSecret: DEMO_API_SECRET });
    step(`test SFU on ${sfu.url}`);
    for (const b of options.bots) {
      const { identity, ...media } = b;
      bots.push(
        await startBot({
          url: sfu.url,
          apiKey: DEMO_API_KEY,
          apiSecret: DEMO_API_SECRET,
          room: options.room,
          identity,
          ...media,
        }),
      );
      step(
        `bot ${identity} (${b.kind}${b.isSyncSignal ? ', sync signal' : ''}) in ${options.room}`,
      );
    }
    const [api = 0, template = 0, bridge = 0, composite = 0, track = 0] = await findFreePorts(5);
    const ports: StackPorts = {
      api,
      template,
      health: { bridge, 'composite-worker': composite, 'track-worker': track },
    };
    const activeSfu = sfu;
    const startApp = async (
      app: EgressApp,
      healthPort: number,
      logName: string,
      instanceConfig?: Record<string, string>,
    ) => {
      const proc = await startAppProcess({
        app,
        configBody: configYaml(options, activeSfu, ports, app, healthPort, instanceConfig),
        healthPort,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.logDir ? { logFile: join(options.logDir, `${logName}.log`) } : {}),
      });
      apps.push(proc);
      return proc;
    };
    for (const app of ['bridge', ...workers] as EgressApp[]) {
      await startApp(app, ports.health[app], app);
      step(`${app} up (pid ${apps.at(-1)?.pid}, health :${ports.health[app]})`);
    }
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    return {
      sfu: activeSfu,
      bots,
      client: new EgressClient(apiUrl, DEMO_API_KEY, DEMO_API_SECRET),
      apiUrl,
      apps,
      configBody: (app) => configYaml(options, activeSfu, ports, app),
      startWorker: async (app, config) => {
        const [healthPort = 0] = await findFreePorts(1);
        return startApp(app, healthPort, `${app}-${apps.length}`, config);
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** Where `local_output_dir` is by default for the demo: `./out` of the repository. */
export const DEMO_OUTPUT_DIR = join(REPO_ROOT, 'out');
