import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { EgressError, type Logger } from '@egress/protocol';
import type { PcmSinkResult } from './audio/pcm-sink.js';

/** What an SDK egress (track composite, participant) feeds its encoder. */
export interface AvEncoderOptions {
  /** The MP4 file to write. */
  localPath: string;
  /** Raw I420 frames of `width`×`height` at `fps` are written to {@link AvEncoder.video}. */
  video?: { width: number; height: number; fps: number; bitrateKbps: number };
  /** S16LE 48 kHz stereo is written to {@link AvEncoder.audio}. */
  audio?: { bitrateKbps: number };
  logger: Logger;
  /** How long close() waits for EOS before killing the encoder, milliseconds. @defaultValue 15000 */
  closeDeadlineMs?: number;
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
   * Ends both pipes and waits for the encoder to finish the file.
   * @throws EgressError (internal) when it did not finish cleanly
   */
  close(): Promise<PcmSinkResult>;
  /** Stops at once (after a failure). */
  destroy(): void;
}

const TAIL_LINES = 20;
const VIDEO_FD = 0;
const AUDIO_FD = 3;

/** gst-launch arguments: raw I420 on fd 0 and/or S16LE 48 kHz stereo on fd 3 → fragmented MP4. */
export function avMp4Args(o: Pick<AvEncoderOptions, 'localPath' | 'video' | 'audio'>): string[] {
  const args = ['-q'];
  if (o.video) {
    const { width, height, fps, bitrateKbps } = o.video;
    args.push(
      ...['fdsrc', `fd=${VIDEO_FD}`, '!', 'rawvideoparse', 'use-sink-caps=false', 'format=i420'],
      ...[`width=${width}`, `height=${height}`, `framerate=${fps}/1`, '!', 'queue', '!'],
      ...['x264enc', 'speed-preset=veryfast', 'tune=zerolatency', `bitrate=${bitrateKbps}`],
      ...[`key-int-max=${fps * 2}`, '!', 'h264parse', '!', 'queue', '!', 'mux.'],
    );
  }
  if (o.audio) {
    args.push(
      ...['fdsrc', `fd=${AUDIO_FD}`, '!', 'rawaudioparse', 'use-sink-caps=false', 'format=pcm'],
      ...['pcm-format=s16le', 'sample-rate=48000', 'num-channels=2', '!', 'queue', '!'],
      ...['audioconvert', '!', 'avenc_aac', `bitrate=${o.audio.bitrateKbps * 1000}`, '!'],
      ...['aacparse', '!', 'queue', '!', 'mux.'],
    );
  }
  // Fragments of 1 s: a file cut by a crash still plays up to its last fragment.
  args.push('mp4mux', 'name=mux', 'fragment-duration=1000', '!', 'filesink');
  args.push(`location=${o.localPath}`);
  return args;
}

/**
 * Starts the `gst-launch-1.0` encoder of an SDK egress (README: a child per egress, fed on pipes).
 * @throws EgressError (invalid_argument) with neither audio nor video
 */
export function startAvEncoder(options: AvEncoderOptions): AvEncoder {
  if (!options.video && !options.audio) {
    throw EgressError.invalidArgument('the encoder needs audio, video or both');
  }
  const log = options.logger.child({ component: 'av-encoder' });
  const child: ChildProcess = spawn('gst-launch-1.0', avMp4Args(options), {
    stdio: [options.video ? 'pipe' : 'ignore', 'ignore', 'pipe', options.audio ? 'pipe' : 'ignore'],
  });
  const video = options.video ? (child.stdio[VIDEO_FD] as Writable | null) : null;
  const audio = options.audio ? (child.stdio[AUDIO_FD] as Writable | null) : null;
  // EPIPE after the child died is reported through `failed` by the exit handler.
  video?.on('error', (err) => log.debug({ err }, 'video pipe closed'));
  audio?.on('error', (err) => log.debug({ err }, 'audio pipe closed'));
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      log.debug({ line }, 'gstreamer');
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  });
  const lastLine = () => (tail.length ? `: ${tail.at(-1)}` : '');
  let isClosing = false;
  let reportFailure: (error: EgressError) => void = () => undefined;
  const failed = new Promise<EgressError>((resolve) => {
    reportFailure = resolve;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      reportFailure(EgressError.internal(`failed to launch the encoder: ${err.message}`));
      resolve(-1);
    });
  });
  void exited.then((code) => {
    if (!isClosing)
      reportFailure(EgressError.internal(`the encoder exited early (code ${code})${lastLine()}`));
  });
  let closing: Promise<PcmSinkResult> | undefined;
  return {
    video: video ?? undefined,
    audio: audio ?? undefined,
    pid: child.pid,
    failed,
    close() {
      closing ??= (async () => {
        isClosing = true;
        video?.end();
        audio?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), options.closeDeadlineMs ?? 15_000);
        const code = await exited;
        clearTimeout(timer);
        if (code !== 0) {
          throw EgressError.internal(
            `the encoder did not finish the file (code ${code})${lastLine()}`,
          );
        }
        const { size } = await stat(options.localPath);
        return { localPath: options.localPath, sizeBytes: size };
      })();
      return closing;
    },
    destroy() {
      isClosing = true;
      child.kill('SIGKILL');
    },
  };
}
