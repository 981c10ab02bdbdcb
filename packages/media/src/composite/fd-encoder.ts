import type { Writable } from 'node:stream';
import { EgressError, type Logger } from '@egress/protocol';
import { type GstExit, GstProcess } from '../gst/gst-process.js';
import { outputsFinalCheck } from './outputs-final.js';
import {
  type CompositeOutputPlan,
  type CompositePipelinePlan,
  type PipelineSources,
  planCompositePipeline,
  type X264SpeedPreset,
} from './pipeline-plan.js';

/** The child's stdin carries the raw video. */
export const VIDEO_INPUT_FD = 0;
/** The child's fd 3 carries the raw audio. */
export const AUDIO_INPUT_FD = 3;

/** Options of {@link startFdEncoder}. */
export interface FdEncoderOptions {
  /** Every output of the egress (`outputPlanOf`), encoded once. */
  outputs: CompositeOutputPlan;
  /**
   * Raw I420 frames of this size are written to {@link FdEncoder.video}, one after another at
   * the encoding's frame rate (scaled to the encoding size); absent: no video.
   */
  video?: { width: number; height: number };
  /** Whether S16LE 48 kHz stereo is written to {@link FdEncoder.audio}. */
  hasAudio: boolean;
  logger: Logger;
  /** How long {@link FdEncoder.finish} waits for the pipeline to drain. @defaultValue 30000 */
  stopDeadlineMs?: number;
  /** @defaultValue planCompositePipeline's choice */
  speedPreset?: X264SpeedPreset;
  /** @defaultValue planCompositePipeline's (x264 decides) */
  x264Threads?: number;
  /** @defaultValue 'gst-launch-1.0' */
  gstLaunchPath?: string;
}

/** A running encoder fed on pipes; see {@link startFdEncoder}. */
export interface FdEncoder {
  readonly process: GstProcess;
  readonly plan: CompositePipelinePlan;
  /** Raw I420 frames; absent without video. */
  readonly video: Writable | undefined;
  /** Raw S16LE 48 kHz stereo; absent without audio. */
  readonly audio: Writable | undefined;
  /** Resolves with the error when the encoder exits before {@link finish}; never rejects. */
  readonly failed: Promise<EgressError>;
  /**
   * Ends both pipes (EOS) and waits for the pipeline to finish every output; if it has not
   * exited after the deadline it gets SIGINT, then SIGKILL (`isFrozen`). Idempotent.
   */
  finish(): Promise<GstExit>;
}

/**
 * Starts the encoder of an SDK egress (track, track composite, participant): the same pipeline
 * as a composite egress (`planCompositePipeline`: encode once, every output from one `tee`),
 * with raw video on the child's stdin and raw audio on its fd 3 instead of a display and a
 * PulseAudio source. A crash of the feeding process closes the pipes, which is an EOS: the
 * child still finishes its files.
 * @throws `invalid_argument` from the plan, or without audio and video
 */
export function startFdEncoder(options: FdEncoderOptions): FdEncoder {
  if (!options.video && !options.hasAudio) {
    throw EgressError.invalidArgument('the encoder needs audio, video or both');
  }
  const sources: PipelineSources = {
    ...(options.video ? { video: { kind: 'fd', fd: VIDEO_INPUT_FD, ...options.video } } : {}),
    ...(options.hasAudio ? { audio: { kind: 'fd', fd: AUDIO_INPUT_FD } } : {}),
  };
  const plan = planCompositePipeline({
    outputs: options.outputs,
    sources,
    ...(options.speedPreset ? { speedPreset: options.speedPreset } : {}),
    ...(options.x264Threads ? { x264Threads: options.x264Threads } : {}),
  });
  const inputFds = [
    ...(plan.hasVideo ? [VIDEO_INPUT_FD] : []),
    ...(plan.hasAudio ? [AUDIO_INPUT_FD] : []),
  ];
  const outputsFinal = outputsFinalCheck(options.outputs);
  const pipeline = GstProcess.start({
    args: plan.args,
    logger: options.logger,
    stopDeadlineMs: options.stopDeadlineMs ?? 30_000,
    inputFds,
    ...(outputsFinal ? { outputsFinal } : {}),
    ...(options.gstLaunchPath ? { gstLaunchPath: options.gstLaunchPath } : {}),
  });
  const video = pipeline.input(VIDEO_INPUT_FD);
  const audio = pipeline.input(AUDIO_INPUT_FD);
  let isFinishing = false;
  const failed = pipeline.exited.then((exit) =>
    isFinishing
      ? new Promise<EgressError>(() => {})
      : GstProcess.failure(exit, 'the encoder exited early'),
  );
  return {
    process: pipeline,
    plan,
    video,
    audio,
    failed,
    finish() {
      isFinishing = true;
      return pipeline.endInputs();
    },
  };
}
