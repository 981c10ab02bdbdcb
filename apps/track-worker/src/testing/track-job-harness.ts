import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Config, type ControlMessage, type EgressRequest, loadConfig } from '@egress/protocol';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';
import { runTrackPoolEgress } from '../track-pool-egress.js';
import { type SfuHarness, startSfuHarness } from './sfu-harness.js';
import { testJob } from './test-job.js';

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
export interface TrackJobHarness extends SfuHarness {
  /** `local_output_dir`: where recordings land without storage. */
  readonly outDir: string;
  /** Starts a job for `request`; `configYaml` adds lines to the harness's config. */
  runJob(request: EgressRequest, options?: { configYaml?: string[] }): RunningTrackJob;
}

/**
 * Starts the test SFU and a config with `local_output_dir` storage, and runs track pool jobs
 * (`runTrackPoolEgress`) as the worker's cell would, with the status reports and control
 * messages in the test's hands.
 */
export async function startTrackJobHarness(): Promise<TrackJobHarness> {
  const base = await startSfuHarness('track-job');
  const { sfu, dir, logger } = base;
  const outDir = join(dir, 'out');
  const configOf = (extraYaml: string[]): Config =>
    loadConfig(
      {
        EGRESS_CONFIG_BODY: [
          `api_key: ${base.apiKey}`,
          `api_secret: ${base.apiSecret}`,
          `ws_url: ${sfu.url}`,
          `local_output_dir: ${outDir}`,
          ...extraYaml,
        ].join('\n'),
      },
      { onWarning: () => undefined },
    );
  const config = configOf([]);

  return {
    ...base,
    outDir,
    runJob(request, options = {}) {
      const { egressId, info, payload } = testJob(request, sfu.url);
      const statuses: EgressStatus[] = [];
      let latest: EgressInfo = info;
      let handler: ((message: ControlMessage) => Promise<EgressInfo>) | undefined;
      let onActive: () => void = () => {};
      const active = new Promise<void>((resolve) => {
        onActive = resolve;
      });
      const done = runTrackPoolEgress({
        payload,
        config: options.configYaml ? configOf(options.configYaml) : config,
        logger,
        tmpDir: join(dir, 'tmp', egressId),
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
  };
}
