import { extname } from 'node:path';
import { DEFAULT_ENCODING, EgressError, type Logger } from '@egress/protocol';
import { type RemoteTrack, VideoBufferType, type VideoFrame, VideoStream } from '@livekit/rtc-node';
import type { PcmSinkResult } from '../audio/pcm-sink.js';
import { type AvEncoder, startAvEncoder } from '../av-encoder.js';
import { blackI420, framesDueAt } from './frame-clock.js';
import { I420Fitter } from './i420-fit.js';
import { noteFrameBytes } from './young-gc.js';

/** Options of {@link VideoRecorder}. */
export interface VideoRecorderOptions {
  /** The file to write: WebM (VP8) when it ends in `.webm`, else MP4 (H.264). */
  localPath: string;
  logger: Logger;
  /** Output frame rate. @defaultValue 30 */
  fps?: number;
  /** Video bitrate, kbps. @defaultValue 3000 */
  bitrateKbps?: number;
  /**
   * The output size: the size the publisher declared for the track. libwebrtc senders start
   * small and step up to it within seconds, so the first frame's size (the fallback) would keep
   * a 720p track at 320x180 for the whole file. Rounded down to even sizes.
   */
  size?: { width: number; height: number };
  /** Called at the first decoded frame (the egress goes ACTIVE), with the wall-clock time. */
  onFirstFrame: (startedAtMs: number) => void;
  /** Called with the encoder's pid once it runs. */
  onEncoder?: (pid: number) => void;
  /** The track's stream ended. */
  onStreamEnd: () => void;
  /** Reading frames or the encoder failed. */
  onError: (error: EgressError) => void;
}

/**
 * Records a video track to MP4/H.264 or WebM/VP8 (rtc-node gives decoded frames only, so it
 * re-encodes; Go passes video through and picks the container from the track codec; here a
 * `.webm` file name asks for VP8) through the composite pipeline plan (`startAvEncoder`). The
 * encoder starts at the first frame, at the declared size (else the first frame's); frames of
 * another size are scaled and letterboxed into it;
 * frames are laid on the wall clock at a constant rate, repeating the last frame over gaps and
 * sending black frames while the track is muted (Go's behaviour on mute), so the file lasts as
 * long as the recording.
 */
export class VideoRecorder {
  readonly #options: VideoRecorderOptions;
  readonly #log: Logger;
  readonly #fps: number;
  #encoder: AvEncoder | undefined;
  #reader: ReadableStreamDefaultReader | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #startMs = 0;
  #startedAtMs = 0;
  #written = 0;
  #width = 0;
  #height = 0;
  #latest: Buffer | undefined;
  #black: Buffer | undefined;
  #isMuted = false;
  #hasWarnedSize = false;
  #fitter: I420Fitter | undefined;

  constructor(options: VideoRecorderOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'video-recorder' });
    this.#fps = options.fps ?? 30;
  }

  /** Starts reading the track's frames. */
  start(track: RemoteTrack, isMuted: boolean): void {
    this.#isMuted = isMuted;
    const reader = new VideoStream(track).getReader();
    this.#reader = reader;
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#onFrame(value.frame);
      }
    })().then(
      () => this.#options.onStreamEnd(),
      (err: unknown) =>
        this.#options.onError(EgressError.internal('reading the video track failed', err)),
    );
  }

  /** The track was muted or unmuted: black frames while muted. */
  setMuted(isMuted: boolean): void {
    this.#isMuted = isMuted;
  }

  /**
   * Fills the output up to now, ends it and waits for the file.
   * @throws EgressError when no frame ever came or the encoder failed to finish
   */
  async finish(): Promise<{ output: PcmSinkResult; startedAtMs: number; durationMs: number }> {
    await this.#stopReading();
    const encoder = this.#encoder;
    if (!encoder) throw EgressError.internal('the video track sent no frames');
    this.#tick();
    const output = await encoder.close();
    return {
      output,
      startedAtMs: this.#startedAtMs,
      durationMs: Math.round((this.#written * 1000) / this.#fps),
    };
  }

  /** Stops at once (after a failure). */
  async destroy(): Promise<void> {
    await this.#stopReading();
    this.#encoder?.destroy();
  }

  async #stopReading(): Promise<void> {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    await this.#reader?.cancel().catch((err: unknown) => this.#log.debug({ err }, 'cancel'));
  }

  #onFrame(frame: VideoFrame): void {
    noteFrameBytes(frame.data.byteLength);
    const i420 = frame.type === VideoBufferType.I420 ? frame : frame.convert(VideoBufferType.I420);
    if (!this.#encoder) {
      const size = evenSize(this.#options.size);
      this.#startEncoder(size?.width ?? i420.width, size?.height ?? i420.height);
    }
    if (i420.width !== this.#width || i420.height !== this.#height) {
      // A resolution switch (simulcast layer, resized window): scaled into the first size.
      if (this.#width % 2 === 0 && this.#height % 2 === 0) {
        this.#fitter ??= new I420Fitter(this.#width, this.#height);
        this.#latest = this.#fitter.fit(i420);
        this.#tick();
        return;
      }
      if (!this.#hasWarnedSize) {
        this.#log.warn(
          { width: i420.width, height: i420.height },
          'video size changed; an odd-sized output cannot scale, frames of the new size are skipped',
        );
        this.#hasWarnedSize = true;
      }
      return;
    }
    this.#latest = Buffer.from(i420.data.buffer, i420.data.byteOffset, i420.data.byteLength);
    this.#tick();
  }

  #startEncoder(width: number, height: number): void {
    this.#width = width;
    this.#height = height;
    const { localPath } = this.#options;
    const isWebm = extname(localPath).toLowerCase() === '.webm';
    const encoder = startAvEncoder({
      outputs: {
        encoding: {
          ...DEFAULT_ENCODING,
          width,
          height,
          framerate: this.#fps,
          videoBitrateKbps: this.#options.bitrateKbps ?? 3000,
          videoCodec: isWebm ? 'vp8' : 'h264',
        },
        file: { fileType: isWebm ? 'webm' : 'mp4', localPath },
      },
      video: { width, height, fps: this.#fps },
      // Go stores a track's video as sent (no transcode); here it must be re-encoded, at the
      // least CPU: bench/track, a 720p30 egress in all 0.32-0.39 core with ultrafast on one
      // thread, 0.41 superfast, 0.53 veryfast (x264's own threads).
      x264: { speedPreset: 'ultrafast', x264Threads: 1 },
      logger: this.#log,
    });
    this.#encoder = encoder;
    if (encoder.pid) this.#options.onEncoder?.(encoder.pid);
    void encoder.failed.then((error) => this.#options.onError(error));
    this.#startMs = performance.now();
    this.#startedAtMs = Date.now();
    this.#options.onFirstFrame(this.#startedAtMs);
    this.#ticker = setInterval(() => this.#tick(), Math.max(5, Math.floor(500 / this.#fps)));
  }

  #tick(): void {
    const video = this.#encoder?.video;
    if (!video || !this.#latest) return;
    const due = framesDueAt(performance.now() - this.#startMs, this.#fps);
    while (this.#written < due) {
      if (this.#isMuted) {
        this.#black ??= blackI420(this.#width, this.#height);
        video.write(this.#black);
      } else {
        video.write(this.#latest);
      }
      this.#written += 1;
    }
  }
}

/** `size` rounded down to even numbers, or undefined when it is not at least 2x2. */
function evenSize(size: { width: number; height: number } | undefined) {
  const width = Math.floor((size?.width ?? 0) / 2) * 2;
  const height = Math.floor((size?.height ?? 0) / 2) * 2;
  return width > 0 && height > 0 ? { width, height } : undefined;
}
