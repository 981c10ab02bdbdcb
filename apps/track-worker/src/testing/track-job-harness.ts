import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Config,
  type ControlMessage,
  createEgressInfo,
  createLogger,
  type EgressRequest,
  encodeJobPayload,
  loadConfig,
  newEgressId,
} from '@egress/protocol';
import { type Bot, type BotOptions, startBot, startTestSfu, type TestSfu } from '@egress/test-sfu';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';
import { runTrackEgressJob } from '../track-egress-job.js';

const apiKey = 'track-job-key';
const apiSecret = 'track-job-secret-track-job-secret-track';

/** One track pool job running in the test process. */
export interface RunningTrackJob {
  readonly egressId: string;
  /** The final info. */
  readonly done: Promise<EgressInfo>;
  /** Resolves when the job reports ACTIVE. */
  readonly active: Promise<void>;
  /** Each status the job reported, in order, repeats dropped. */
  readonly statuses: EgressStatus[];
  /** Sends the job a control message (`version`, `requestId`, `replyTo`, `egressId` filled in). */
  control(message: Record<string, unknown>): Promise<EgressInfo>;
  /** The latest info the job reported. */
  latest(): EgressInfo;
}

/** Track pool jobs run in this process on the test SFU, without Redis or a worker. */
export interface TrackJobHarness {
  readonly sfu: TestSfu;
  /** A scratch folder, removed on close. */
  readonly root: string;
  /** `local_output_dir`: where recordings land without storage. */
  readonly outDir: string;
  /** Starts a bot in a room (kept until close). */
  bot(options: Omit<BotOptions, 'url' | 'apiKey' | 'apiSecret'>): Promise<Bot>;
  /** Starts a job for `request`; `configYaml` adds lines to the harness's config. */
  runJob(request: EgressRequest, options?: { configYaml?: string[] }): RunningTrackJob;
  close(): Promise<void>;
}

/**
 * Starts the test SFU and a config with `local_output_dir` storage, and runs track pool jobs
 * (`runTrackEgressJob`) as the worker's cell would, with the status reports and control
 * messages in the test's hands.
 */
export async function startTrackJobHarness(): Promise<TrackJobHarness> {
  const logger = createLogger({
    service: 'track-worker-test',
    level: process.env.LOG_LEVEL ?? 'silent',
  });
  const sfu = await startTestSfu({ apiKey, apiSecret });
  const root = await mkdtemp(join(tmpdir(), 'track-job-'));
  const outDir = join(root, 'out');
  const configOf = (extraYaml: string[]): Config =>
    loadConfig(
      {
        EGRESS_CONFIG_BODY: [
          `api_key: ${apiKey}`,
          `api_secret: ${apiSecret}`,
          `ws_url: ${sfu.url}`,
          `local_output_dir: ${outDir}`,
          ...extraYaml,
        ].join('\n'),
      },
      { onWarning: () => undefined },
    );
  const config = configOf([]);
  const bots: Bot[] = [];

  return {
    sfu,
    root,
    outDir,
    async bot(options) {
      const bot = await startBot({ url: sfu.url, apiKey, apiSecret, ...options });
      bots.push(bot);
      return bot;
    },
    runJob(request, options = {}) {
      const egressId = newEgressId();
      const info = createEgressInfo({ egressId, request });
      const payload = encodeJobPayload({
        request,
        info,
        wsUrl: sfu.url,
        cpuCost: 0.1,
        startDeadlineMs: Date.now() + 60_000,
      });
      const statuses: EgressStatus[] = [];
      let latest: EgressInfo = info;
      let handler: ((message: ControlMessage) => Promise<EgressInfo>) | undefined;
      let onActive: () => void = () => {};
      const active = new Promise<void>((resolve) => {
        onActive = resolve;
      });
      const done = runTrackEgressJob({
        payload,
        config: options.configYaml ? configOf(options.configYaml) : config,
        logger,
        tmpDir: join(root, 'tmp', egressId),
        trackWaitMs: 10_000,
        onInfo: async (next) => {
          latest = next;
          if (statuses.at(-1) !== next.status) statuses.push(next.status);
          if (next.status === EgressStatus.EGRESS_ACTIVE) onActive();
        },
        onControl: (h) => {
          handler = h;
          return () => {
            handler = undefined;
          };
        },
      });
      return {
        egressId,
        done,
        active,
        statuses,
        control(message) {
          if (!handler) throw new Error('the job has no control handler');
          return handler({
            version: 1,
            requestId: randomUUID(),
            replyTo: 'test',
            egressId,
            ...message,
          } as ControlMessage);
        },
        latest: () => latest,
      };
    },
    async close() {
      for (const bot of bots) await bot.leave();
      await sfu.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
