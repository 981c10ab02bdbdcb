import {
  type CompositeOutputPlan,
  type FinishedOutputs,
  type FinishOutputsOptions,
  OutputUploads,
  outputPlanOf,
  type ResolvedOutputs,
  resolveEgressOutputs,
  StreamOutputs,
  updateStreamOutputs,
  watchSessionLimits,
  withOutputNames,
  withStreamsStarted,
} from '@egress/media';
import {
  type Config,
  EgressError,
  type EncodingSettings,
  type Logger,
  type NamingVars,
  type OutputFileType,
  type ValidatedEgress,
} from '@egress/protocol';
import { findFreePort } from '@egress/service-runtime';
import type { EgressInfo } from '@livekit/protocol';

/** Options of {@link TrackOutputs.resolve}. */
export interface TrackOutputsOptions {
  egress: ValidatedEgress;
  config: Pick<Config, 'storage' | 'backup' | 'localOutputDir' | 'sessionLimits'>;
  logger: Logger;
  /** The egress's own temporary folder; every local file lands below it. */
  tmpDir: string;
  /** The egress's latest info. */
  getInfo: () => EgressInfo;
  /** Publishes a changed info (names, stream results). */
  setInfo: (info: EgressInfo) => void;
  /** Whether the egress is ending (stream exits are then expected). */
  isStopping: () => boolean;
  /** A session limit was reached: the egress should end LIMIT_REACHED. */
  onLimit: () => void;
  /** UpdateStream removed the last output: the egress should end (`streamsStopped`). */
  onLastStreamRemoved: () => void;
  /** Every stream failed and nothing else is recorded: the egress should fail. */
  onAllStreamsFailed: (error: EgressError) => void;
  /** The file's container when the request leaves it open (a track's: `webm` or `mp4`). */
  fileType?: OutputFileType;
  /** Naming variables besides the room's (`{publisher_identity}`, `{track_id}`...). */
  vars?: Partial<NamingVars>;
}

/**
 * The outputs of an SDK egress (track composite, participant, track video), handled as the
 * composite worker handles its own, with the same shared parts of `@egress/media`: Go's names in
 * the results from the start, one encoder plan for file, HLS, images and RTMP/SRT, stream
 * destinations with retries and UpdateStream, uploads while recording, session limits, and at
 * the end the uploads, results and manifest.
 */
export class TrackOutputs {
  readonly outputs: ResolvedOutputs;
  readonly #options: TrackOutputsOptions;
  readonly #streamPort: number | undefined;
  #streams: StreamOutputs | undefined;
  #uploads: OutputUploads | undefined;
  #stopLimits: () => void = () => {};

  private constructor(
    options: TrackOutputsOptions,
    outputs: ResolvedOutputs,
    streamPort: number | undefined,
  ) {
    this.#options = options;
    this.outputs = outputs;
    this.#streamPort = streamPort;
  }

  /**
   * Names the outputs and places them below the tmp folder; their names go into the info.
   * @throws EgressError for a name that cannot be a local path, or a retry without `{retry}`
   */
  static async resolve(options: TrackOutputsOptions): Promise<TrackOutputs> {
    const info = options.getInfo();
    const outputs = await resolveEgressOutputs({
      egress: options.egress,
      roomId: info.roomId,
      retryCount: info.retryCount,
      tmpDir: options.tmpDir,
      ...(options.fileType ? { fileType: options.fileType } : {}),
      ...(options.vars ? { vars: options.vars } : {}),
    });
    options.setInfo(withOutputNames(info, outputs));
    const streamPort = outputs.stream ? await findFreePort() : undefined;
    return new TrackOutputs(options, outputs, streamPort);
  }

  /** What the encoder writes, at this encoding (`startFdEncoder`'s `outputs`). */
  plan(encoding: EncodingSettings): CompositeOutputPlan {
    return outputPlanOf(this.outputs, encoding, this.#streamPort);
  }

  /** The recording started (ACTIVE at `nowMs`): streams, uploads and limits start. */
  start(nowMs: number): void {
    if (this.#uploads) return;
    const o = this.#options;
    const { outputs } = this;
    o.setInfo(withStreamsStarted(o.getInfo(), nowMs));
    if (outputs.stream && this.#streamPort !== undefined) {
      this.#streams = new StreamOutputs({
        plan: outputs.stream,
        port: this.#streamPort,
        logger: o.logger,
        getInfo: o.getInfo,
        setInfo: o.setInfo,
        isStopping: o.isStopping,
        hasOtherOutputs:
          outputs.file !== undefined || outputs.segments !== undefined || outputs.images.length > 0,
        onNoOutputLeft: (cause) => {
          if (cause === 'removed') o.onLastStreamRemoved();
          else o.onAllStreamsFailed(EgressError.unavailable('all stream outputs failed'));
        },
      });
    }
    this.#uploads = new OutputUploads({
      outputs,
      config: o.config,
      logger: o.logger,
      startedAtMs: nowMs,
    });
    this.#stopLimits = watchSessionLimits({
      limits: o.config.sessionLimits,
      outputs,
      onLimit: o.onLimit,
    });
  }

  /**
   * UpdateStream.
   * @throws EgressError when the egress is not ACTIVE, has no stream output, or a URL is wrong
   */
  updateStream(add: readonly string[], remove: readonly string[]): void {
    updateStreamOutputs(this.#options.getInfo(), this.#streams, add, remove);
  }

  /** The encoder is ending: no more retries, uploads or limits while it drains. */
  ending(): void {
    this.#stopLimits();
    this.#uploads?.stopSyncing();
    this.#streams?.cancelRetries();
  }

  /**
   * After the encoder finished: stops the stream destinations, uploads what is left and the
   * manifest, and returns the info with the results. Without a started recording, the info as is.
   */
  async finish(options: Omit<FinishOutputsOptions, 'workDir'>): Promise<FinishedOutputs> {
    this.ending();
    await this.#streams?.close();
    if (!this.#uploads) return { info: options.info };
    return this.#uploads.finish({ ...options, workDir: this.#options.tmpDir });
  }

  /** Stops everything at once (after a failure). Idempotent. */
  async close(): Promise<void> {
    this.ending();
    await this.#streams
      ?.close()
      // Nothing recorded is lost: the streams are live only; the failure is logged.
      .catch((err: unknown) => this.#options.logger.warn({ err }, 'could not close the streams'));
  }
}
