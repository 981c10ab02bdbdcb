import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import {
  type CompositeOutputPlan,
  type FdEncoderOptions,
  GstProcess,
  startFdEncoder,
} from '@egress/media';
import type { EgressError, Logger } from '@egress/protocol';
import type { PcmSinkResult } from './audio/pcm-sink.js';

/** What an SDK egress (track composite, participant, track video) feeds its encoder. */
export interface AvEncoderOptions {
  /**
   * Every output of the egress at its encoding (`TrackOutputs.plan`): file, HLS, images and
   * stream, encoded once, as the composite worker does.
   */
  outputs: CompositeOutputPlan;
  /**
   * Raw I420 frames of `width`×`height` at `fps` are written to {@link AvEncoder.video} (scaled to
   * the encoding size when it differs); absent: no video.
   */
  video?: { width: number; height: number; fps: number };
  /** Whether S16LE 48 kHz stereo is written to {@link AvEncoder.audio}. */
  audio?: boolean;
  logger: Logger;
  /** How long close() waits for EOS before killing the encoder, milliseconds. @defaultValue 15000 */
  closeDeadlineMs?: number;
  /** x264's speed preset and threads. @defaultValue the composite plan's */
  x264?: Pick<FdEncoderOptions, 'speedPreset' | 'x264Threads'>;
}

/**
 * The encoder of an SDK egress: one child fed raw video and audio on two pipes, writing every
 * output. Closing both pipes is the EOS, so a crash of the feeding process still leaves a
 * finished file.
 */
export interface AvEncoder {
  /** Raw I420 frames, contiguous at the output rate; absent without video. */
  readonly video: Writable | undefined;
  /** Raw S16LE 48 kHz stereo, contiguous; absent without audio. */
  readonly audio: Writable | undefined;
  readonly pid: number | undefined;
  /** Resolves with the error when the encoder exits before {@link close}; never rejects. */
  readonly failed: Promise<EgressError>;
  /**
   * Ends both pipes and waits for the encoder to finish every output; the file's path and size
   * when there is a file output.
   * @throws EgressError (internal) when it did not finish cleanly
   */
  close(): Promise<PcmSinkResult>;
  /** Stops at once (after a failure). */
  destroy(): void;
}

/**
 * Starts the `gst-launch-1.0` encoder of an SDK egress (README: a child per egress, fed on pipes)
 * through the composite pipeline plan with `fd` sources (`startFdEncoder`).
 * @throws EgressError (invalid_argument) with neither audio nor video, or outputs the plan refuses
 */
export function startAvEncoder(options: AvEncoderOptions): AvEncoder {
  const { outputs, video } = options;
  const encoder = startFdEncoder({
    // the writer's frame rate is the one the frames are stamped with
    outputs: video
      ? { ...outputs, encoding: { ...outputs.encoding, framerate: video.fps } }
      : outputs,
    ...(video ? { video: { width: video.width, height: video.height } } : {}),
    hasAudio: options.audio === true,
    logger: options.logger.child({ component: 'av-encoder' }),
    stopDeadlineMs: options.closeDeadlineMs ?? 15_000,
    ...options.x264,
  });
  let closing: Promise<PcmSinkResult> | undefined;
  return {
    video: encoder.video,
    audio: encoder.audio,
    pid: encoder.process.pid,
    failed: encoder.failed,
    close() {
      closing ??= (async () => {
        const exit = await encoder.finish();
        if (!exit.isCleanEos) {
          throw GstProcess.failure(exit, 'the encoder did not finish its outputs');
        }
        const file = outputs.file;
        if (!file) return { sizeBytes: 0 };
        const { size } = await stat(file.localPath);
        return { localPath: file.localPath, sizeBytes: size };
      })();
      return closing;
    },
    destroy() {
      void encoder.process.kill();
    },
  };
}
