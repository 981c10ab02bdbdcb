import { rm, stat } from 'node:fs/promises';
import {
  type CompositeOutputPlan,
  findFreePort,
  type GstExit,
  GstProcess,
  planCompositePipeline,
  StreamFanout,
  type StreamTarget,
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
  parseStreamUrl,
  redactStreamUrl,
  type ValidatedEgress,
  validateRequest,
} from '@egress/protocol';
import {
  buildManifest,
  createOutputUploader,
  type ManifestFile,
  type RecordingUploader,
  uploadManifest,
} from '@egress/storage';
import {
  type EgressInfo,
  EgressStatus,
  FileInfo,
  ImagesInfo,
  SegmentsInfo,
  StreamInfo,
  StreamInfo_Status,
} from '@livekit/protocol';
import { type ResolvedOutputs, resolveEgressOutputs } from './egress-outputs.js';
import { ImageSync } from './image-sync.js';
import type { MediaSource, MediaSourceFactory } from './media-source.js';
import { SegmentSync } from './segment-sync.js';

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

/**
 * How a failing stream destination is retried. Each retry waits `firstDelayMs`, doubled after
 * every failed retry up to `maxDelayMs`; the destination is given up (FAILED in
 * `stream_results`) after `maxRetries` retries in a row, or once it has been down `maxDownMs`.
 * A destination that ran `progressMs` before failing made real progress: its count and down
 * time start again, so a stream that drops now and then is always retried. Go instead resets a
 * failed RTMP sink only when it had made progress and was down under 30 s; this keeps the same
 * spirit with a bounded number of quick retries for a URL that never connects.
 */
const STREAM_RETRY = {
  firstDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetries: 5,
  maxDownMs: 60_000,
  progressMs: 30_000,
} as const;

/** Retry bookkeeping of one stream destination, keyed by its redacted URL. */
interface StreamState {
  target: StreamTarget;
  /** When the current attempt started. */
  startedAtMs: number;
  /** Retries in a row since the destination last made progress. */
  retries: number;
  /** When the destination went down (0 while it runs). */
  downSinceMs: number;
  timer?: NodeJS.Timeout;
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
  readonly #timers: NodeJS.Timeout[] = [];
  #info: EgressInfo;
  #egress: ValidatedEgress | undefined;
  #outputs: ResolvedOutputs | undefined;
  #fanout: StreamFanout | undefined;
  readonly #streams = new Map<string, StreamState>();
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
    let isUploaded = false;
    try {
      const egress = validateRequest(decodeJobRequest(this.#options.payload), {
        retryCount: this.#info.retryCount,
      });
      this.#egress = egress;
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
      this.#outputs = outputs;
      this.#options.onOutputs?.(outputs);
      this.#fillNames(outputs);
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
      const streamPort = outputs.stream ? await findFreePort() : undefined;
      const plan: CompositeOutputPlan = {
        encoding: egress.encoding,
        ...(outputs.file
          ? { file: { fileType: outputs.file.fileType, localPath: outputs.file.localPath } }
          : {}),
        ...(outputs.segments
          ? {
              segments: {
                localDir: outputs.segments.localDir,
                segmentPattern: outputs.segments.names.segmentPattern,
                playlistName: outputs.segments.names.playlistName,
                segmentDurationSec: outputs.segments.segmentDurationSec,
              },
            }
          : {}),
        images: outputs.images.map((image) => ({
          localDir: image.localDir,
          imagePattern: image.names.imagePattern,
          captureIntervalSec: image.plan.captureIntervalSec,
          width: image.plan.width,
          height: image.plan.height,
        })),
        ...(outputs.stream && streamPort !== undefined
          ? { stream: { protocol: outputs.stream.protocol, port: streamPort } }
          : {}),
      };
      const { args } = planCompositePipeline({ outputs: plan, sources: source.sources });
      const pipeline = GstProcess.start({
        args,
        logger: this.#log,
        stopDeadlineMs: this.#options.stopDeadlineMs ?? 30_000,
      });
      gst = pipeline;

      // ACTIVE once the pipeline plays and the source gave its start signal, unless stopped first
      const started = Promise.all([pipeline.whenPlaying(), source.started]).then(() => 'started');
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
      const active = markActive(this.#info, { nowMs: this.#activeAtMs });
      const nowNs = msToNs(this.#activeAtMs);
      for (const stream of active.streamResults) {
        if (stream.status === StreamInfo_Status.ACTIVE && stream.startedAt === 0n) {
          stream.startedAt = nowNs;
        }
      }
      this.#setInfo(active);
      this.#log.info('egress active');

      if (outputs.stream && streamPort !== undefined) this.#startStreams(streamPort);
      const syncs = this.#startSyncs(outputs);
      this.#startLimits(egress, outputs);
      void source.ended.then((end) => {
        if (end.reason === 'end-signal') this.stop(END_REASONS.sourceClosed);
        else if (end.reason === 'failed') this.#failAndStop(end.error);
      });

      const endedBy = await Promise.race([
        this.#stopRequested.promise.then(() => 'stop'),
        pipeline.exited.then(() => 'exit'),
      ]);
      for (const timer of this.#timers) clearInterval(timer);
      this.#cancelStreamRetries();
      const exit: GstExit = endedBy === 'stop' ? await pipeline.stop() : await pipeline.exited;
      const endMs = Date.now();
      await this.#fanout?.close();
      this.#source = undefined;
      await source.close();
      source = undefined;
      if (!exit.isCleanEos) this.#fail(GstProcess.failure(exit));

      isUploaded = await this.#uploadAll(outputs, syncs, endMs);
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
      for (const timer of this.#timers) clearInterval(timer);
      this.#cancelStreamRetries();
      await this.#fanout?.close().catch(() => {});
      if (gst) await gst.kill();
      if (source) await source.close().catch(() => {});
      // keep local files only when a recording exists that could not be uploaded
      if (isUploaded || this.#activeAtMs === 0) {
        await rm(this.#options.tmpDir, { recursive: true, force: true }).catch(() => {});
      }
    }
  }

  /** FAILED now (files still finalized and uploaded), then EOS. */
  #failAndStop(error: EgressError): void {
    if (this.#isStopping || isFinalStatus(this.#info.status)) return;
    this.#fail(error);
    this.#isStopping = true;
    this.#stopRequested.resolve();
  }

  #fillNames(outputs: ResolvedOutputs): void {
    const next = this.#info.clone();
    const file = next.fileResults[0];
    if (file && outputs.file) file.filename = outputs.file.storagePath;
    const segments = next.segmentResults[0];
    if (segments && outputs.segments) {
      segments.playlistName = outputs.segments.names.playlistPath;
      segments.livePlaylistName = outputs.segments.names.livePlaylistPath;
    }
    outputs.images.forEach((image, i) => {
      const result = next.imageResults[i];
      if (result) result.filenamePrefix = image.names.infoFilenamePrefix;
    });
    this.#info = next;
  }

  #uploaderFor(upload: Parameters<typeof createOutputUploader>[0]['upload']): RecordingUploader {
    return createOutputUploader({ config: this.#options.config, upload, logger: this.#log });
  }

  #startSyncs(outputs: ResolvedOutputs): { segments?: SegmentSync; images: ImageSync[] } {
    const segments = outputs.segments
      ? new SegmentSync(
          outputs.segments,
          this.#uploaderFor(outputs.segments.upload),
          this.#activeAtMs,
        )
      : undefined;
    const images = outputs.images.map(
      (image) => new ImageSync(image, this.#uploaderFor(image.upload)),
    );
    if (segments || images.length > 0) {
      const timer = setInterval(() => {
        for (const sync of [segments, ...images]) {
          sync?.sync(false).catch((err: unknown) => {
            // retried at the next tick and at the end, where a failure fails the egress
            this.#log.warn({ err }, 'upload while recording failed');
          });
        }
      }, this.#options.syncIntervalMs ?? 2000);
      this.#timers.push(timer);
    }
    return { ...(segments ? { segments } : {}), images };
  }

  #startLimits(egress: ValidatedEgress, outputs: ResolvedOutputs): void {
    const limits = this.#options.config.sessionLimits;
    const candidates = [
      outputs.file ? limits.fileOutputMaxDurationMs : 0,
      egress.stream ? limits.streamOutputMaxDurationMs : 0,
      outputs.segments ? limits.segmentOutputMaxDurationMs : 0,
      outputs.images.length > 0 ? limits.imageOutputMaxDurationMs : 0,
    ].filter((ms) => ms > 0);
    if (candidates.length > 0) {
      const timer = setTimeout(() => this.#limitReached(), Math.min(...candidates));
      this.#timers.push(timer);
    }
    const file = outputs.file;
    if (file && limits.fileOutputMaxSizeBytes > 0) {
      const timer = setInterval(() => {
        stat(file.localPath).then(
          (s) => {
            if (s.size >= limits.fileOutputMaxSizeBytes) this.#limitReached();
          },
          () => {},
        );
      }, 1000);
      this.#timers.push(timer);
    }
  }

  #limitReached(): void {
    if (this.#isStopping || isFinalStatus(this.#info.status)) return;
    this.#log.info('session limit reached');
    this.#isStopping = true;
    this.#setInfo(applyLimitReached(this.#info));
    this.#stopRequested.resolve();
  }

  #startStreams(port: number): void {
    const fanout = new StreamFanout({
      port,
      logger: this.#log,
      onExit: (id, exit) => this.#onStreamExit(id, exit),
    });
    this.#fanout = fanout;
    for (const url of this.#egress?.stream?.urls ?? []) {
      this.#addStream(url.redacted, {
        kind: url.protocol === 'srt' ? 'srt' : 'rtmp',
        url: url.url,
      });
    }
  }

  #addStream(id: string, target: StreamTarget): void {
    this.#fanout?.add(id, target);
    this.#streams.set(id, { target, startedAtMs: Date.now(), retries: 0, downSinceMs: 0 });
  }

  #cancelStreamRetries(): void {
    for (const state of this.#streams.values()) clearTimeout(state.timer);
  }

  /** A destination exited on its own: retry it with backoff, or mark it FAILED and go on. */
  #onStreamExit(id: string, exit: GstExit): void {
    if (this.#isStopping || isFinalStatus(this.#info.status)) return;
    const state = this.#streams.get(id);
    const isActive = this.#info.streamResults.some(
      (s) => s.url === id && s.status === StreamInfo_Status.ACTIVE,
    );
    if (!state || !isActive) return;
    const nowMs = Date.now();
    if (nowMs - state.startedAtMs >= STREAM_RETRY.progressMs) {
      state.retries = 0;
      state.downSinceMs = 0;
    }
    if (state.downSinceMs === 0) state.downSinceMs = nowMs;
    if (
      state.retries < STREAM_RETRY.maxRetries &&
      nowMs - state.downSinceMs < STREAM_RETRY.maxDownMs
    ) {
      const delayMs = Math.min(
        STREAM_RETRY.firstDelayMs * 2 ** state.retries,
        STREAM_RETRY.maxDelayMs,
      );
      state.retries += 1;
      this.#log.warn(
        { stream: id, retry: state.retries, delayMs, error: exit.error },
        'stream destination failed, retrying',
      );
      state.timer = setTimeout(() => this.#retryStream(id, state), delayMs);
      return;
    }

    this.#streams.delete(id);
    const next = this.#info.clone();
    const nowNs = msToNs(nowMs);
    const stream = next.streamResults.find(
      (s) => s.url === id && s.status === StreamInfo_Status.ACTIVE,
    );
    if (!stream) return;
    stream.status = StreamInfo_Status.FAILED;
    // the gst error line is redacted and the id is the redacted URL: no stream key in here
    stream.error =
      GstProcess.failure(exit, `stream failed after ${state.retries} retries`).message.split(
        '\n',
      )[0] ?? '';
    stream.endedAt = nowNs;
    if (stream.startedAt > 0n) stream.duration = nowNs - stream.startedAt;
    next.updatedAt = nowNs;
    this.#log.warn({ stream: id, retries: state.retries }, 'stream destination given up');
    this.#setInfo(next);
    if (!this.#hasLiveOutput())
      this.#failAndStop(EgressError.unavailable('all stream outputs failed'));
  }

  #retryStream(id: string, state: StreamState): void {
    state.timer = undefined;
    const fanout = this.#fanout;
    if (this.#isStopping || isFinalStatus(this.#info.status) || !fanout) return;
    if (this.#streams.get(id) !== state) return; // removed meanwhile
    const nowMs = Date.now();
    try {
      fanout.add(id, state.target);
    } catch (err) {
      this.#log.warn({ err, stream: id }, 'stream destination did not restart');
      return;
    }
    state.startedAtMs = nowMs;
    const next = this.#info.clone();
    const stream = next.streamResults.find(
      (s) => s.url === id && s.status === StreamInfo_Status.ACTIVE,
    );
    if (!stream) return;
    stream.retries += 1;
    stream.lastRetryAt = msToNs(nowMs);
    next.updatedAt = msToNs(nowMs);
    this.#setInfo(next);
  }

  #hasLiveOutput(): boolean {
    const outputs = this.#outputs;
    if (outputs?.file || outputs?.segments || (outputs?.images.length ?? 0) > 0) return true;
    return this.#info.streamResults.some((s) => s.status === StreamInfo_Status.ACTIVE);
  }

  async #updateStream(add: readonly string[], remove: readonly string[]): Promise<EgressInfo> {
    if (this.#info.status !== EgressStatus.EGRESS_ACTIVE) {
      throw EgressError.failedPrecondition(
        `egress ${this.#info.egressId} is not active; update streams once it is ACTIVE`,
      );
    }
    const streamPlan = this.#egress?.stream;
    const fanout = this.#fanout;
    if (!streamPlan || !fanout) {
      throw EgressError.invalidArgument(
        'this egress has no stream output; start it with a stream output to add or remove streams',
      );
    }
    const next = this.#info.clone();
    const nowNs = msToNs(Date.now());
    const errors: string[] = [];
    for (const raw of add) {
      try {
        const url = parseStreamUrl(raw, streamPlan.protocol);
        if (this.#streams.has(url.redacted)) continue;
        this.#addStream(url.redacted, { kind: streamPlan.protocol, url: url.url });
        next.streamResults.push(
          new StreamInfo({ url: url.redacted, status: StreamInfo_Status.ACTIVE, startedAt: nowNs }),
        );
      } catch (err) {
        errors.push(EgressError.from(err).message);
      }
    }
    for (const raw of remove) {
      const redacted = redactStreamUrl(raw);
      const stream = next.streamResults.find(
        (s) => s.url === redacted && s.status === StreamInfo_Status.ACTIVE,
      );
      if (!stream) {
        errors.push(`stream ${redacted} is not an active output of this egress`);
        continue;
      }
      stream.status = StreamInfo_Status.FINISHED;
      stream.endedAt = nowNs;
      if (stream.startedAt > 0n) stream.duration = nowNs - stream.startedAt;
      clearTimeout(this.#streams.get(redacted)?.timer);
      this.#streams.delete(redacted);
      fanout.remove(redacted).catch((err: unknown) => {
        this.#log.warn({ err, stream: redacted }, 'stream destination did not stop cleanly');
      });
    }
    next.updatedAt = nowNs;
    this.#setInfo(next);
    if (!this.#hasLiveOutput()) this.stop(END_REASONS.streamsStopped);
    if (errors.length > 0) throw EgressError.invalidArgument(errors.join('; '));
    return this.#info;
  }

  /** Uploads every output and the manifest; fills the results. Returns whether all succeeded. */
  async #uploadAll(
    outputs: ResolvedOutputs,
    syncs: { segments?: SegmentSync; images: ImageSync[] },
    endMs: number,
  ): Promise<boolean> {
    const endNs = msToNs(endMs);
    const next = this.#info.clone();
    const errors: EgressError[] = [];
    const manifestFiles: ManifestFile[] = [];
    const manifestPaths: string[] = [];
    const uploaders: RecordingUploader[] = [];

    if (outputs.file) {
      const result = next.fileResults[0] ?? new FileInfo();
      result.endedAt = endNs;
      if (result.startedAt > 0n) result.duration = endNs - result.startedAt;
      try {
        const uploader = this.#uploaderFor(outputs.file.upload);
        uploaders.push(uploader);
        const res = await uploader.upload({
          localPath: outputs.file.localPath,
          storagePath: outputs.file.storagePath,
        });
        result.size = BigInt(res.sizeBytes);
        result.location = res.location;
        manifestFiles.push({ filename: outputs.file.storagePath, location: res.location });
        if (!outputs.file.disableManifest) manifestPaths.push(outputs.file.storagePath);
      } catch (err) {
        errors.push(EgressError.from(err));
      }
      if (next.fileResults.length === 0) next.fileResults.push(result);
    }

    const playlists: { location: string; segments: ManifestFile[] }[] = [];
    if (outputs.segments && syncs.segments) {
      const result = next.segmentResults[0] ?? new SegmentsInfo();
      try {
        await syncs.segments.sync(true);
      } catch (err) {
        errors.push(EgressError.from(err));
      }
      const state = syncs.segments.state;
      result.endedAt = endNs;
      result.segmentCount = BigInt(state.segmentCount);
      result.size = BigInt(state.sizeBytes);
      result.duration = BigInt(Math.round(state.durationSec * 1e9));
      result.playlistLocation = state.playlistLocation;
      result.livePlaylistLocation = state.livePlaylistLocation;
      if (state.playlistLocation) {
        playlists.push({ location: state.playlistLocation, segments: [...state.segments] });
        if (!outputs.segments.disableManifest)
          manifestPaths.push(outputs.segments.names.playlistPath);
      }
      if (next.segmentResults.length === 0) next.segmentResults.push(result);
    }

    const images = [];
    for (const [i, sync] of syncs.images.entries()) {
      const result = next.imageResults[i] ?? new ImagesInfo();
      try {
        await sync.sync(true);
      } catch (err) {
        errors.push(EgressError.from(err));
      }
      result.endedAt = endNs;
      result.imageCount = BigInt(sync.images.length);
      images.push(...sync.images);
      const output = outputs.images[i];
      if (output && !output.plan.disableManifest && sync.images[0]) {
        manifestPaths.push(`${output.names.storageDir}${sync.images[0].filename}`);
      }
      if (next.imageResults.length <= i) next.imageResults.push(result);
    }
    next.backupStorageUsed = uploaders.some((u) => u.backupStorageUsed);
    next.updatedAt = endNs;
    this.#info = next;

    if (errors[0]) {
      this.#fail(errors[0]);
      return false;
    }

    // Go builds the manifest when an output keeps it (or a backup exists) and uploads it next
    // to each such output on COMPLETE or LIMIT_REACHED
    const final = this.#info.status;
    if (
      manifestPaths.length > 0 &&
      (final === EgressStatus.EGRESS_ENDING ||
        final === EgressStatus.EGRESS_ACTIVE ||
        final === EgressStatus.EGRESS_LIMIT_REACHED)
    ) {
      try {
        const uploader = this.#uploaderFor(
          outputs.file?.upload ?? outputs.segments?.upload ?? outputs.images[0]?.upload,
        );
        const locations = await uploadManifest({
          uploader,
          egressId: this.#info.egressId,
          outputStoragePaths: manifestPaths,
          workDir: this.#options.tmpDir,
          manifest: buildManifest({
            egressId: this.#info.egressId,
            roomId: this.#info.roomId,
            roomName: this.#info.roomName,
            ...(this.#egress?.source.kind === 'web' ? { url: this.#egress.source.url } : {}),
            startedAtNs: msToNs(this.#activeAtMs),
            endedAtNs: endNs,
            files: manifestFiles,
            playlists,
            images,
          }),
        });
        const withManifest = this.#info.clone();
        withManifest.manifestLocation = locations[0] ?? '';
        this.#info = withManifest;
      } catch (err) {
        this.#fail(EgressError.from(err));
        return false;
      }
    }
    return true;
  }
}
