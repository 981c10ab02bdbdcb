import { rm } from 'node:fs/promises';
import {
  type GstExit,
  GstProcess,
  OutputUploads,
  outputPlanOf,
  outputsFinalCheck,
  planCompositePipeline,
  type ResolvedOutputs,
  resolveEgressOutputs,
  StreamOutputs,
  updateStreamOutputs,
  watchSessionLimits,
  withOutputNames,
  withStreamsStarted,
} from '@egress/media';
import {
  applyClose,
  applyLimitReached,
  applyStop,
  type Config,
  type ControlMessage,
  decodeJobInfo,
  decodeJobRequest,
  EgressError,
  END_REASONS,
  type EndReason,
  isFinalStatus,
  type JobPayload,
  type Logger,
  markAborted,
  markActive,
  markFailed,
  msToNs,
  type ValidatedEgress,
  validateRequest,
} from '@egress/protocol';
import { findFreePort } from '@egress/service-runtime';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';
import type { MediaSource, MediaSourceFactory } from './media-source.js';

/** Options of {@link EgressRunner}. */
export interface EgressRunnerOptions {
  payload: JobPayload;
  config: Config;
  logger: Logger;
  /** The egress's own folder for local files; removed after every upload succeeded. */
  tmpDir: string;
  mediaSource: MediaSourceFactory;
  /** Called with every new EgressInfo (each status or result change). */
  onStatus: (info: EgressInfo) => void;
  /** Called once the outputs are named, before the pipeline starts. */
  onOutputs?: (outputs: ResolvedOutputs) => void;
  /** Called with process groups the media source started outside this process's group. */
  onProcessGroups?: (pgids: number[]) => void;
  /** How long the pipeline may take to finish after EOS. @defaultValue 30000 */
  stopDeadlineMs?: number;
  /** How often HLS segments and images are uploaded while recording. @defaultValue 2000 */
  syncIntervalMs?: number;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Runs one composite egress from a job payload, in the egress's own process: validates the
 * request, names the outputs, starts the media source and the GStreamer pipeline, goes ACTIVE
 * on PLAYING, answers control messages, enforces session limits, and after EOS uploads every
 * output and the manifest and ends COMPLETE, LIMIT_REACHED, ABORTED or FAILED with results.
 */
export class EgressRunner {
  readonly #options: EgressRunnerOptions;
  readonly #log: Logger;
  readonly #stopRequested = deferred<void>();
  #info: EgressInfo;
  #streams: StreamOutputs | undefined;
  #stopLimits: () => void = () => {};
  #source: MediaSource | undefined;
  #isStopping = false;
  #activeAtMs = 0;
  #running: Promise<EgressInfo> | undefined;

  constructor(options: EgressRunnerOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.#info = decodeJobInfo(options.payload);
  }

  /** The latest EgressInfo. */
  get info(): EgressInfo {
    return this.#info;
  }

  /** Runs the egress to its end; resolves with the final EgressInfo and never rejects. */
  run(): Promise<EgressInfo> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /**
   * Applies a control message and returns the EgressInfo after the change.
   * @throws EgressError when the change is not possible (its text goes back to the caller).
   */
  async control(message: ControlMessage): Promise<EgressInfo> {
    switch (message.type) {
      case 'stop':
        this.stop(message.endReason ?? END_REASONS.api);
        return this.#info;
      case 'update-stream':
        return this.#updateStream(message.addOutputUrls, message.removeOutputUrls);
      case 'update-layout':
        return this.#updateLayout(message.layout);
    }
  }

  /** Records the layout in the info and tells the page (its `egress:layout` event). */
  async #updateLayout(layout: string): Promise<EgressInfo> {
    if (this.#info.request.case !== 'roomComposite') {
      throw EgressError.invalidArgument('only room composite egress has a layout');
    }
    // before the page runs, the layout goes only into the info (the template URL had the old one)
    await this.#source?.setLayout?.(layout);
    const next = this.#info.clone();
    if (next.request.case === 'roomComposite') next.request.value.layout = layout;
    next.updatedAt = msToNs(Date.now());
    this.#setInfo(next);
    return this.#info;
  }

  /**
   * Ends the egress (Go's SendEOS): STARTING → ABORTED, ACTIVE → ENDING then EOS; a later call
   * changes nothing.
   */
  stop(endReason: EndReason): void {
    if (isFinalStatus(this.#info.status) || this.#isStopping) return;
    this.#isStopping = true;
    this.#setInfo(applyStop(this.#info, endReason));
    this.#stopRequested.resolve();
  }

  /**
   * Go's KillEgress (a node over its CPU or memory limit): EOS with the end reason "Process
   * killed", kept when the egress was ending already (a graceful "CPU exhausted" stop), then
   * FAILED with `error`. The recording is still finalized and uploaded.
   */
  kill(error: EgressError): void {
    if (this.#info.status === EgressStatus.EGRESS_ACTIVE) this.stop(END_REASONS.killed);
    if (this.#isStopping) this.#fail(error);
    else this.#failAndStop(error, END_REASONS.killed);
  }

  #setInfo(info: EgressInfo): void {
    if (info === this.#info) return;
    this.#info = info;
    this.#options.onStatus(info);
  }

  #fail(error: EgressError, endReason?: EndReason): void {
    if (isFinalStatus(this.#info.status) && this.#info.status !== EgressStatus.EGRESS_LIMIT_REACHED)
      return;
    if (this.#info.status === EgressStatus.EGRESS_FAILED) return;
    this.#setInfo(markFailed(this.#info, error, endReason ? { endReason } : {}));
  }

  async #run(): Promise<EgressInfo> {
    let source: MediaSource | undefined;
    let gst: GstProcess | undefined;
    let uploads: OutputUploads | undefined;
    let isUploaded = false;
    try {
      const egress = validateRequest(decodeJobRequest(this.#options.payload), {
        retryCount: this.#info.retryCount,
      });
      if (egress.sourceKind !== 'web') {
        throw EgressError.invalidArgument(
          `${egress.requestType} egress does not run on the composite worker; send it to the track pool`,
        );
      }
      const outputs = await resolveEgressOutputs({
        egress,
        roomId: this.#info.roomId,
        retryCount: this.#info.retryCount,
        tmpDir: this.#options.tmpDir,
      });
      this.#options.onOutputs?.(outputs);
      this.#info = withOutputNames(this.#info, outputs);
      if (this.#isStopping) return this.#info;

      source = await this.#options.mediaSource({
        egressId: this.#info.egressId,
        egress,
        config: this.#options.config,
        logger: this.#log,
        wsUrl: this.#options.payload.wsUrl,
        ...(this.#options.payload.token ? { token: this.#options.payload.token } : {}),
      });
      if (source.processGroups.length > 0) this.#options.onProcessGroups?.(source.processGroups);
      this.#source = source;
      if (this.#isStopping) return this.#info; // stopped while the page loaded: ABORTED
      // As Go: the pipeline starts on the start signal, so the file holds no loading page and
      // its duration is the one reported (startedAt = ACTIVE). A failed signal rejects here.
      const signalled = await Promise.race([
        source.started.then(() => 'started'),
        this.#stopRequested.promise.then(() => 'stopped'),
      ]);
      if (signalled === 'stopped') return this.#info; // ABORTED
      const streamPort = outputs.stream ? await findFreePort() : undefined;
      const outputPlan = outputPlanOf(outputs, egress.encoding, streamPort);
      const { args } = planCompositePipeline({ outputs: outputPlan, sources: source.sources });
      const outputsFinal = outputsFinalCheck(outputPlan);
      const pipeline = GstProcess.start({
        args,
        logger: this.#log,
        stopDeadlineMs: this.#options.stopDeadlineMs ?? 30_000,
        ...(outputsFinal ? { outputsFinal } : {}),
      });
      gst = pipeline;

      // ACTIVE once the pipeline plays, unless stopped first
      const started = pipeline.whenPlaying().then(() => 'started');
      // Its failure is read from the race below (or `exited`); this only keeps a failure that
      // comes after the race from being an unhandled rejection.
      started.catch(() => {});
      const first = await Promise.race([
        started,
        this.#stopRequested.promise.then(() => 'stopped'),
        pipeline.exited.then(() => 'exited'),
      ]);
      if (first !== 'started') {
        if (first === 'exited') await started; // throws the pipeline's failure
        await pipeline.kill();
        return this.#info;
      }

      this.#activeAtMs = Date.now();
      const nowMs = this.#activeAtMs;
      this.#setInfo(withStreamsStarted(markActive(this.#info, { nowMs }), nowMs));
      this.#log.info('egress active');

      if (outputs.stream && streamPort !== undefined) {
        this.#streams = this.#startStreams(outputs, outputs.stream, streamPort);
      }
      uploads = new OutputUploads({
        outputs,
        config: this.#options.config,
        logger: this.#log,
        startedAtMs: this.#activeAtMs,
        ...(this.#options.syncIntervalMs ? { syncIntervalMs: this.#options.syncIntervalMs } : {}),
      });
      this.#stopLimits = watchSessionLimits({
        limits: this.#options.config.sessionLimits,
        outputs,
        onLimit: () => this.#limitReached(),
      });
      void source.ended.then((end) => {
        if (end.reason === 'end-signal') this.stop(END_REASONS.sourceClosed);
        else if (end.reason === 'failed') this.#failAndStop(end.error);
      });

      const endedBy = await Promise.race([
        this.#stopRequested.promise.then(() => 'stop'),
        pipeline.exited.then(() => 'exit'),
      ]);
      this.#stopLimits();
      uploads.stopSyncing();
      this.#streams?.cancelRetries();
      const exit: GstExit = endedBy === 'stop' ? await pipeline.stop() : await pipeline.exited;
      const endMs = Date.now();
      await this.#streams?.close();
      this.#source = undefined;
      await source.close();
      source = undefined;
      if (!exit.isCleanEos) this.#fail(GstProcess.failure(exit));

      isUploaded = await this.#finishOutputs(uploads, egress, endMs);
      if (!isFinalStatus(this.#info.status)) this.#setInfo(applyClose(this.#info));
      return this.#info;
    } catch (err) {
      const error = EgressError.from(err);
      this.#log.warn(
        { code: error.code, error: error.message, hint: error.details?.hint },
        'egress failed',
      );
      if (this.#info.status === EgressStatus.EGRESS_STARTING && error.code === 'aborted') {
        // "Start signal not received" and the like: Go's SetAborted (412)
        this.#setInfo(markAborted(this.#info, error.message));
        return this.#info;
      }
      this.#fail(error);
      return this.#info;
    } finally {
      this.#stopLimits();
      uploads?.stopSyncing();
      // Failures from here on lose nothing recorded (the outputs are final): they are logged.
      await this.#streams
        ?.close()
        .catch((err: unknown) => this.#log.warn({ err }, 'could not close the streams'));
      if (gst) await gst.kill();
      if (source) {
        await source
          .close()
          .catch((err: unknown) => this.#log.warn({ err }, 'could not close the media source'));
      }
      // keep local files only when a recording exists that could not be uploaded
      if (isUploaded || this.#activeAtMs === 0) {
        await rm(this.#options.tmpDir, { recursive: true, force: true }).catch((err: unknown) =>
          this.#log.warn({ err }, 'could not remove the tmp folder'),
        );
      }
    }
  }

  /** FAILED now (files still finalized and uploaded), then EOS. */
  #failAndStop(error: EgressError, endReason?: EndReason): void {
    if (this.#isStopping || isFinalStatus(this.#info.status)) return;
    this.#fail(error, endReason);
    this.#isStopping = true;
    this.#stopRequested.resolve();
  }

  #limitReached(): void {
    if (this.#isStopping || isFinalStatus(this.#info.status)) return;
    this.#log.info('session limit reached');
    this.#isStopping = true;
    this.#setInfo(applyLimitReached(this.#info));
    this.#stopRequested.resolve();
  }

  #startStreams(
    outputs: ResolvedOutputs,
    plan: NonNullable<ResolvedOutputs['stream']>,
    port: number,
  ): StreamOutputs {
    return new StreamOutputs({
      plan,
      port,
      logger: this.#log,
      getInfo: () => this.#info,
      setInfo: (info) => this.#setInfo(info),
      isStopping: () => this.#isStopping || isFinalStatus(this.#info.status),
      hasOtherOutputs:
        outputs.file !== undefined || outputs.segments !== undefined || outputs.images.length > 0,
      onNoOutputLeft: (cause) => {
        if (cause === 'removed') this.stop(END_REASONS.streamsStopped);
        else this.#failAndStop(EgressError.unavailable('all stream outputs failed'));
      },
    });
  }

  async #updateStream(add: readonly string[], remove: readonly string[]): Promise<EgressInfo> {
    updateStreamOutputs(this.#info, this.#streams, add, remove);
    return this.#info;
  }

  /** Uploads every output and the manifest; fills the results. Returns whether all succeeded. */
  async #finishOutputs(
    uploads: OutputUploads,
    egress: ValidatedEgress,
    endMs: number,
  ): Promise<boolean> {
    const { info, error } = await uploads.finish({
      info: this.#info,
      endMs,
      workDir: this.#options.tmpDir,
      manifestSource: {
        ...(egress.source.kind === 'web' ? { url: egress.source.url } : {}),
        startedAtNs: msToNs(this.#activeAtMs),
      },
    });
    this.#info = info;
    if (error) {
      this.#fail(error);
      return false;
    }
    return true;
  }
}
