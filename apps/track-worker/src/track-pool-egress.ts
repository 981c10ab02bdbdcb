import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { uploadFileResult } from '@egress/media';
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
  fileOutputName,
  isFinalStatus,
  isSdkSourceRequest,
  type JobPayload,
  type Logger,
  markAborted,
  markActive,
  markComplete,
  markEnding,
  markFailed,
  mintEgressToken,
  msToNs,
  type NamingVars,
  type OutputFileType,
  outputIdentifier,
  resolveLocalPath,
  syncLegacyResult,
  validateRequest,
} from '@egress/protocol';
import { type EgressInfo, EgressStatus, FileInfo } from '@livekit/protocol';
import { avNamingVars, runAvEgressBySource } from './av-egress-by-source.js';
import { runTrackEgress, type TrackEgressOutput, type TrackEgressResult } from './track-egress.js';
import { TrackOutputs } from './track-outputs.js';

/** Options of {@link runTrackPoolEgress}. */
export interface RunTrackPoolEgressOptions {
  payload: JobPayload;
  config: Pick<
    Config,
    'apiKey' | 'apiSecret' | 'wsUrl' | 'storage' | 'backup' | 'localOutputDir' | 'sessionLimits'
  >;
  logger: Logger;
  /** This egress's own temporary folder (removed once the recording is uploaded). */
  tmpDir: string;
  /** Called with the info after every status change (BullMQ progress). */
  onInfo: (info: EgressInfo) => Promise<void>;
  /** Hands the egress a control handler for its channel; returns the unregister function. */
  onControl: (handler: (message: ControlMessage) => Promise<EgressInfo>) => () => void;
  /** How long to wait for the track, milliseconds (Go: 30 s). @defaultValue 30000 */
  trackWaitMs?: number;
  /**
   * Called when the file output is being written: where, and the encoder's pid, so the worker
   * can still upload it if this process dies (see CellPool).
   */
  onFileOutput?: (file: CrashSafeFile) => void;
}

/** A file output being written, as the worker needs it to upload after a crash. */
export interface CrashSafeFile {
  localPath: string;
  storagePath: string;
  encoderPid: number;
}

/**
 * Runs one track-pool egress (every job of `egress-track`: track, track composite, participant,
 * and SDK audio-only room composite) from STARTING to a final status, inside a cell process.
 * Validates the request, mints the token when the job has none, then:
 * - `track`: names the file once the track is known (Go's naming; OGG for audio, WebM or MP4
 *   for video) or streams PCM to the WebSocket, runs {@link runTrackEgress}, uploads the file;
 * - the others: resolves the shared SDK outputs ({@link TrackOutputs}: file, HLS, images,
 *   RTMP/SRT, session limits) and runs {@link runAvEgressBySource}, then uploads them all.
 * It answers control messages (stop: ACTIVE → ENDING, STARTING → ABORTED; UpdateStream on
 * streams), reports every status change through `onInfo`, tells the cell where its file is
 * (`onFileOutput`, for the crash salvage) and keeps the tmp folder when an upload failed. Returns
 * the final info; never rejects.
 */
export async function runTrackPoolEgress(options: RunTrackPoolEgressOptions): Promise<EgressInfo> {
  const { payload, config } = options;
  let info = decodeJobInfo(payload);
  const log = options.logger.child({ egressId: payload.egressId, pool: 'track' });
  const report = async (next: EgressInfo) => {
    info = syncLegacyResult(next);
    log.info({ status: EgressStatus[info.status] }, 'egress status changed');
    await options.onInfo(info).catch((err: unknown) => log.warn({ err }, 'progress failed'));
  };
  const controller = new AbortController();
  const stop = async (endReason: EndReason) => {
    const next = applyStop(info, endReason);
    if (next !== info) await report(next);
    controller.abort();
  };
  // FAILED at once; the encoder still finishes and the outputs are uploaded (as the composite worker).
  const failAndStop = async (error: EgressError) => {
    if (info.status !== EgressStatus.EGRESS_FAILED) await report(markFailed(info, error));
    controller.abort();
  };
  let trackOutputs: TrackOutputs | undefined;
  const unregister = options.onControl(async (message) => {
    switch (message.type) {
      case 'stop':
        await stop(message.endReason ?? END_REASONS.api);
        return info;
      case 'update-stream':
        if (trackOutputs) {
          trackOutputs.updateStream(message.addOutputUrls, message.removeOutputUrls);
          return info;
        }
        // Go's ErrNonStreamingPipeline.
        throw EgressError.invalidArgument('UpdateStream called on non-streaming egress');
      case 'update-layout':
        throw EgressError.invalidArgument('only room composite egress has a layout');
    }
  });
  let isUploaded = false;
  try {
    const request = decodeJobRequest(payload);
    // Every SDK source runs here: track, track composite, participant, v2 media, SDK room composite.
    if (!isSdkSourceRequest(request)) {
      throw EgressError.invalidArgument(
        `this worker runs track, track composite, participant and audio-only room composite egress; ${payload.requestType} runs in the composite pool`,
      );
    }
    const egress = validateRequest(request, { retryCount: info.retryCount });
    const roomName = egress.roomName;
    const wsUrl = payload.wsUrl || config.wsUrl;
    const token =
      payload.token ??
      (await mintEgressToken({
        apiKey: config.apiKey,
        apiSecret: config.apiSecret,
        egressId: payload.egressId,
        roomName,
      }));

    let file: { storagePath: string; localPath: string } | undefined;
    const nameFile = async (
      trackType: 'audio' | 'video' | undefined,
      fileType: OutputFileType,
      vars: NamingVars,
    ): Promise<string> => {
      const plan = egress.file;
      if (!plan) throw EgressError.invalidArgument('a file output is required');
      const storagePath = fileOutputName({
        filepath: plan.filepath,
        fileType,
        identifier: outputIdentifier(egress.requestType, vars),
        vars: trackType ? { ...vars, trackType } : vars,
        now: new Date(),
      });
      const localPath = resolveLocalPath(join(options.tmpDir, 'file'), storagePath);
      await mkdir(dirname(localPath), { recursive: true });
      file = { storagePath, localPath };
      const next = info.clone();
      const result = next.fileResults[0] ?? new FileInfo();
      result.filename = storagePath;
      if (next.fileResults.length === 0) next.fileResults.push(result);
      info = syncLegacyResult(next);
      return localPath;
    };
    const onEncoder = (encoderPid: number) => {
      if (file) options.onFileOutput?.({ ...file, encoderPid });
    };
    const onActive = (startedAtMs: number) => {
      if (info.status !== EgressStatus.EGRESS_STARTING) return;
      void report(markActive(info, { nowMs: startedAtMs }));
    };
    const baseVars: NamingVars = { roomName, roomId: info.roomId, retryCount: info.retryCount };

    let result: TrackEgressResult;
    if (request.case !== 'track') {
      // Track composite, participant or SDK audio room composite: the shared SDK outputs.
      const outputs = await TrackOutputs.resolve({
        egress,
        config,
        logger: log,
        tmpDir: options.tmpDir,
        getInfo: () => info,
        setInfo: (next) => void report(next),
        isStopping: () => controller.signal.aborted || isFinalStatus(info.status),
        onLimit: () => {
          if (info.status === EgressStatus.EGRESS_ACTIVE) void report(applyLimitReached(info));
          controller.abort();
        },
        onLastStreamRemoved: () => void stop(END_REASONS.streamsStopped),
        onAllStreamsFailed: (error) => void failAndStop(error),
        vars: avNamingVars(egress),
      });
      trackOutputs = outputs;
      const avFile = outputs.outputs.file;
      if (avFile) file = { storagePath: avFile.storagePath, localPath: avFile.localPath };
      result = await runAvEgressBySource(egress, {
        wsUrl,
        token,
        outputs: outputs.plan(egress.encoding),
        logger: log,
        signal: controller.signal,
        ...(options.trackWaitMs ? { trackWaitMs: options.trackWaitMs } : {}),
        onEncoder,
        onActive: (startedAtMs) => {
          onActive(startedAtMs);
          outputs.start(startedAtMs);
        },
      });
      const source = egress.source;
      const finishOutputs = (startedAtMs: number, endMs: number) =>
        outputs.finish({
          info,
          endMs,
          manifestSource: {
            startedAtNs: msToNs(startedAtMs),
            ...(source.kind === 'track-composite'
              ? { audioTrackId: source.audioTrackId, videoTrackId: source.videoTrackId }
              : {}),
            ...(source.kind === 'participant' ? { publisherIdentity: source.identity } : {}),
          },
        });
      if (result.status === 'complete') {
        if (info.status === EgressStatus.EGRESS_ACTIVE) {
          await report(markEnding(info, result.endReason, { nowMs: result.endedAtMs }));
        }
        const done = await finishOutputs(result.startedAtMs, result.endedAtMs);
        if (done.error) {
          // The recording stays in the tmp folder (never lose a recording).
          await report(done.info);
          await failAndStop(done.error);
          return info;
        }
        isUploaded = true;
        await report(applyClose(done.info));
        return info;
      }
      if (
        result.status === 'failed' &&
        result.startedAtMs !== undefined &&
        !isFinalStatus(info.status)
      ) {
        // The encoder failed (or froze) after recording started: what it wrote is still
        // uploaded and named in the FAILED info, as the composite worker does. A failed upload
        // keeps the tmp folder (never lose a recording).
        const done = await finishOutputs(result.startedAtMs, result.endedAtMs);
        isUploaded = !done.error;
        await report(markFailed(done.info, result.error));
        return info;
      }
      await outputs.close();
    } else {
      const trackId = request.value.trackId;
      let output: TrackEgressOutput;
      if (egress.websocket) {
        output = {
          kind: 'websocket',
          url: egress.websocket.url,
          redactedUrl: egress.websocket.redacted,
        };
      } else if (egress.file) {
        // Named once the track is known, as Go does: `{track_type}` and the container depend on it.
        // Audio is re-encoded to Opus (OGG, Go's choice for Opus); video to VP8 (WebM) when the
        // file name asks for `.webm` (Go follows the track codec, which decoded frames hide), else
        // to H.264 (MP4).
        const videoType: OutputFileType = /\.webm$/i.test(egress.file.filepath) ? 'webm' : 'mp4';
        const localPathFor = (track: { type: 'audio' | 'video' }): Promise<string> =>
          nameFile(track.type, track.type === 'audio' ? 'ogg' : videoType, {
            ...baseVars,
            trackId,
          });
        output = { kind: 'file', localPath: localPathFor };
      } else {
        throw EgressError.invalidArgument('track egress needs a file or websocket output');
      }

      result = await runTrackEgress({
        wsUrl,
        token,
        trackId,
        output,
        logger: log,
        signal: controller.signal,
        ...(options.trackWaitMs ? { trackWaitMs: options.trackWaitMs } : {}),
        onEncoder,
        onActive,
      });
    }
    if (isFinalStatus(info.status)) return info;
    switch (result.status) {
      case 'aborted':
        await report(markAborted(info, result.message));
        return info;
      case 'failed':
        // Nothing was recorded when it failed before going active: nothing to keep.
        isUploaded = result.startedAtMs === undefined;
        await report(markFailed(info, result.error));
        return info;
      case 'complete':
        break;
    }
    if (info.status === EgressStatus.EGRESS_ACTIVE) {
      await report(markEnding(info, result.endReason, { nowMs: result.endedAtMs }));
    }
    if (file) {
      const done = await uploadFileResult({
        info,
        file,
        config,
        upload: egress.file?.upload ?? egress.requestUpload,
        logger: log,
        endedAtMs: result.endedAtMs,
        durationMs: result.durationMs,
      });
      info = done.info;
      if (done.error) {
        await report(markFailed(info, done.error));
        return info;
      }
    }
    isUploaded = true;
    await report(markComplete(info, { nowMs: Date.now() }));
    return info;
  } catch (err) {
    const error = EgressError.from(err);
    if (!isFinalStatus(info.status)) await report(markFailed(info, error));
    return info;
  } finally {
    unregister();
    await trackOutputs?.close();
    // The local recording is kept until its upload is confirmed (never lose a recording).
    if (isUploaded) {
      await rm(options.tmpDir, { recursive: true, force: true }).catch((err: unknown) =>
        // Nothing is lost: the outputs are stored; only a temporary folder is left behind.
        log.warn({ err }, 'could not remove the tmp folder'),
      );
    }
  }
}
