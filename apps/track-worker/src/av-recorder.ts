import { EgressError, type Logger } from '@egress/protocol';
import {
  AudioStream,
  type RemoteTrack,
  VideoBufferType,
  type VideoFrame,
  VideoStream,
} from '@livekit/rtc-node';
import { LinearResampler } from './audio/linear-resampler.js';
import type { PcmSinkResult } from './audio/pcm-sink.js';
import { PcmTimeline } from './audio/pcm-timeline.js';
import { type MixChannel, RoomAudioMixer } from './audio/room-audio-mixer.js';
import { type AvEncoder, type AvEncoderOptions, startAvEncoder } from './av-encoder.js';
import type { ReceiveDelays } from './receive-delays.js';
import { blackI420, framesDueAt } from './video/frame-clock.js';
import { I420Fitter } from './video/i420-fit.js';
import { noteFrameBytes } from './video/young-gc.js';

/** Options of {@link AvRecorder}. */
export interface AvRecorderOptions {
  /** The encoder's output and what it encodes; with `video`, the output size is fixed. */
  encoder: Omit<AvEncoderOptions, 'logger'>;
  logger: Logger;
  /**
   * How much earlier audio is placed than rtc-node plays it out, milliseconds: its audio jitter
   * buffer holds audio longer than the video one holds video (README, A/V sync). @defaultValue 50
   */
  audioAdvanceMs?: number;
  /** Reading a track failed or the encoder broke: the egress fails. */
  onError: (error: EgressError) => void;
  /** @defaultValue startAvEncoder */
  startEncoder?: (options: AvEncoderOptions) => AvEncoder;
  /**
   * Several audio tracks, each in its channel (a v2 media source's routes), are mixed
   * ({@link AvRecorder.attachAudio} with `mix`) instead of one track being played.
   */
  mixesAudio?: boolean;
}

const SAMPLE_RATE = 48_000;
const CHANNELS = 2;
const FRAME_MS = 20;
// An audio stream whose frames come this much later than their sample count says restarted
// (a real gap, not the event loop's lag): its clock is anchored anew. Audio missing for this long
// is filled with silence while waiting. Long, because this shared machine stalls a process for
// several hundred milliseconds, after which the frames come in a burst and still take their
// places (at 300 ms, a 600 ms stall became a gap of silence in a test).
const AUDIO_STALL_MS = 1000;
// Anchored audio times are smooth, so a frame is placed within this of its time (a gap or an
// overlap beyond it is filled or dropped).
const AUDIO_PLACEMENT_MS = 15;
// How much later rtc-node plays audio out than it renders the video of the same instant, until
// the receive delays are measured: the jitter buffers' difference read by av-egress-sync.test.ts
// on a quiet machine (28-40 ms, +10) rather than the older 44-98 ms (README, A/V sync), which
// left the first seconds' audio 35-48 ms early.
const DEFAULT_AUDIO_ADVANCE_MS = 50;
// Audio's lag beyond the two jitter buffers' difference (audio device, 10 ms pulls); README.
const AUDIO_EXTRA_DELAY_MS = 10;
// One interval's jitter delays swing by tens of milliseconds around their trend: smoothed, and
// acted on only past this much.
const LAG_SMOOTHING = 0.5;
const ADVANCE_CHANGE_MS = 10;
const MAX_AUDIO_ADVANCE_MS = 1000;
// The audio moves to a new advance by playing this much faster or slower (0.5 %: a twelfth of a
// semitone, and beeps a second apart stay 1 s ± 5 ms), so the move is neither a gap nor a cut.
const ADVANCE_SLEW = 0.005;
// A change larger than this (NetEq grew after a stall, which already left a gap) is applied at
// once, by a cut or a gap: slewing it would keep the audio out of lip sync for half a minute.
const MAX_SLEWED_CHANGE_MS = 60;
// Output video frames are chosen this long after their time, so a decoded frame that reaches
// JavaScript late (a busy event loop) still lands where its render time puts it.
const VIDEO_DELAY_MS = 200;
// A render time further than this from the arrival is not on our clock: the arrival is used.
const MAX_RENDER_LEAD_MS = 1000;
// Decoded frames waiting for their render time; more means the clock is off, and old ones go.
const MAX_PENDING_FRAMES = 30;

interface PendingFrame {
  atMs: number;
  /** Absent: no video from then on (black). */
  picture: Buffer | undefined;
}

/**
 * Records one audio and/or one video track of a room into one encoder, on one monotonic clock
 * that starts at {@link start}. Tracks come and go while it runs (late publication, unpublish and
 * republish): without video, or while it is muted, black frames; without audio, silence; never a
 * speed change. Timing (README, A/V sync):
 * - video at a constant rate; each output frame shows the newest decoded frame whose render time
 *   (libwebrtc's `timestampUs`, scheduled from RTP timestamps by its jitter buffer) has come,
 *   scaled or letterboxed to the output size;
 * - audio: rtc-node plays each stream out in real time, so sample `k` of a stream plays at
 *   `anchor + k / 48 kHz`, where the anchor is the earliest `arrival − k / 48 kHz` seen: that
 *   drops the event loop's lag. Laid on the clock by {@link PcmTimeline}, less `audioAdvanceMs`.
 */
export class AvRecorder {
  readonly #options: AvRecorderOptions;
  readonly #log: Logger;
  readonly #fps: number;
  /** Where the audio should be placed (the measured lag). */
  #advanceMs: number;
  /** Where it is placed now: moves to {@link #advanceMs} by {@link ADVANCE_SLEW}. */
  #placedAdvanceMs: number;
  #lagMs: number | undefined;
  readonly #fitter: I420Fitter | undefined;
  readonly #black: Buffer | undefined;
  #encoder: AvEncoder | undefined;
  #timeline: PcmTimeline | undefined;
  #mixer: RoomAudioMixer | undefined;
  readonly #mixed = new Map<string, { channel: MixChannel; reader: ReadableStreamDefaultReader }>();
  #ticker: NodeJS.Timeout | undefined;
  #t0 = 0;
  #framesWritten = 0;
  #current: Buffer | undefined;
  #pending: PendingFrame[] = [];
  #inputSize = '';
  #isVideoMuted = false;
  #video: ReadableStreamDefaultReader | undefined;
  #audio: ReadableStreamDefaultReader | undefined;
  // process.hrtime (libwebrtc's render clock) minus performance.now(), milliseconds.
  readonly #hrtimeMinusPerfMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();

  constructor(options: AvRecorderOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'av-recorder' });
    this.#advanceMs = options.audioAdvanceMs ?? DEFAULT_AUDIO_ADVANCE_MS;
    this.#placedAdvanceMs = this.#advanceMs;
    const video = options.encoder.video;
    this.#fps = video?.fps ?? 30;
    if (video) {
      this.#fitter = new I420Fitter(video.width, video.height);
      this.#black = blackI420(video.width, video.height);
    }
  }

  /** The encoder's pid once started. */
  get pid(): number | undefined {
    return this.#encoder?.pid;
  }

  /** Starts the encoder and the clock: the output's time 0 is now. */
  start(): void {
    if (this.#encoder) return;
    const start = this.#options.startEncoder ?? startAvEncoder;
    const encoder = start({ ...this.#options.encoder, logger: this.#log });
    this.#encoder = encoder;
    void encoder.failed.then((error) => this.#options.onError(error));
    this.#t0 = performance.now();
    if (this.#options.encoder.audio && this.#options.mixesAudio) {
      // Mixed as far as the single track is filled: a stall's frames still take their places.
      this.#mixer = new RoomAudioMixer(this.#t0, {
        sampleRate: SAMPLE_RATE,
        channels: CHANNELS,
        latencyMs: AUDIO_STALL_MS,
        maxGapMs: AUDIO_PLACEMENT_MS,
        maxAheadMs: AUDIO_PLACEMENT_MS,
      });
      for (const [trackId, { channel }] of this.#mixed) this.#mixer.addTrack(trackId, channel);
    } else if (this.#options.encoder.audio) {
      this.#timeline = new PcmTimeline(this.#t0, {
        sampleRate: SAMPLE_RATE,
        channels: CHANNELS,
        maxGapMs: AUDIO_PLACEMENT_MS,
        maxAheadMs: AUDIO_PLACEMENT_MS,
      });
    }
    this.#ticker = setInterval(() => this.#tick(performance.now()), FRAME_MS);
  }

  /** Shows this track from now on (replacing the previous one). */
  attachVideo(track: RemoteTrack, isMuted: boolean): void {
    if (!this.#fitter) return;
    this.detachVideo();
    this.#isVideoMuted = isMuted;
    this.#video = this.#read(new VideoStream(track), 'video', (event) => {
      this.#onVideoFrame(event.frame, event.timestampUs);
    });
  }

  /** The video track is gone: black from now on. */
  detachVideo(): void {
    if (!this.#video) return;
    this.#cancel(this.#video);
    this.#video = undefined;
    this.#pending.push({ atMs: performance.now(), picture: undefined });
  }

  /** The video track was muted or unmuted: black while muted, as Go does. */
  setVideoMuted(isMuted: boolean): void {
    this.#isVideoMuted = isMuted;
  }

  /**
   * Jitter buffer delays measured now (`followReceiveDelays`): audio is placed earlier by the time
   * its buffer holds it beyond the video's, so both keep their capture-time distance when the
   * machine's stalls make NetEq grow.
   */
  setReceiveDelays(delays: ReceiveDelays): void {
    if (delays.audioMs === undefined || delays.videoMs === undefined || !this.#video) return;
    const lagMs = delays.audioMs - delays.videoMs + AUDIO_EXTRA_DELAY_MS;
    this.#lagMs =
      this.#lagMs === undefined ? lagMs : this.#lagMs + LAG_SMOOTHING * (lagMs - this.#lagMs);
    const advanceMs = Math.min(MAX_AUDIO_ADVANCE_MS, Math.max(0, Math.round(this.#lagMs)));
    if (Math.abs(advanceMs - this.#advanceMs) <= ADVANCE_CHANGE_MS) return;
    this.#log.debug({ advanceMs, delays }, 'audio advance changed');
    this.#advanceMs = advanceMs;
    if (Math.abs(advanceMs - this.#placedAdvanceMs) > MAX_SLEWED_CHANGE_MS) {
      this.#placedAdvanceMs = advanceMs;
    }
  }

  /** Moves the placed advance toward the measured one by what `elapsedMs` of audio may slew. */
  #slewAdvance(elapsedMs: number): void {
    const change = this.#advanceMs - this.#placedAdvanceMs;
    const most = elapsedMs * ADVANCE_SLEW;
    this.#placedAdvanceMs += Math.max(-most, Math.min(most, change));
  }

  /**
   * Plays this track from now on (replacing the previous one); with `mix` (`mixesAudio`), adds it
   * to the mix in its channel instead.
   */
  attachAudio(track: RemoteTrack, mix?: { trackId: string; channel: MixChannel }): void {
    if (!this.#options.encoder.audio) return;
    if (mix && !this.#options.mixesAudio) throw new TypeError('AvRecorder: mixesAudio is off');
    this.detachAudio(mix?.trackId);
    const stream = new AudioStream(track, {
      sampleRate: SAMPLE_RATE,
      numChannels: CHANNELS,
      frameSizeMs: FRAME_MS,
    });
    let samples = 0;
    let anchorMs = Number.POSITIVE_INFINITY;
    // While the advance moves, each frame is shortened or lengthened by how far it moved since
    // this track's previous frame, so the frames still join.
    const resampler = new LinearResampler(CHANNELS);
    let frameAdvanceMs = this.#placedAdvanceMs;
    const reader = this.#read(stream, 'audio', (frame) => {
      // A frame arrives once its last sample has played out.
      samples += frame.samplesPerChannel;
      const playedMs = performance.now() - (samples * 1000) / SAMPLE_RATE;
      const lateMs = playedMs - anchorMs;
      if (lateMs < 0 || lateMs > AUDIO_STALL_MS) anchorMs = playedMs;
      const frameMs = (frame.samplesPerChannel * 1000) / SAMPLE_RATE;
      if (!mix) this.#slewAdvance(frameMs);
      const movedMs = this.#placedAdvanceMs - frameAdvanceMs;
      frameAdvanceMs = this.#placedAdvanceMs;
      const pcm =
        movedMs === 0 ? frame.data : resampler.process(frame.data, frameMs / (frameMs - movedMs));
      const endMs = anchorMs + (samples * 1000) / SAMPLE_RATE - frameAdvanceMs;
      if (mix) this.#mixer?.push(mix.trackId, endMs, pcm);
      else if (this.#timeline) this.#writeAudio(this.#timeline.push(endMs, pcm));
    });
    if (!mix) {
      this.#audio = reader;
      return;
    }
    this.#mixed.set(mix.trackId, { channel: mix.channel, reader });
    this.#mixer?.addTrack(mix.trackId, mix.channel);
  }

  /** The audio track (or, mixing, this one) is gone: silence from now on. */
  detachAudio(trackId?: string): void {
    if (trackId === undefined) {
      this.#cancel(this.#audio);
      this.#audio = undefined;
      for (const id of [...this.#mixed.keys()]) this.detachAudio(id);
      return;
    }
    this.#cancel(this.#mixed.get(trackId)?.reader);
    this.#mixed.delete(trackId);
    this.#mixer?.removeTrack(trackId);
  }

  /**
   * Fills the output up to now, ends it and waits for the encoder.
   * @throws EgressError when it was never started or the encoder did not finish
   */
  async finish(): Promise<{ output: PcmSinkResult; durationMs: number }> {
    clearInterval(this.#ticker);
    // Frames already decoded (and audio waiting in the mix) still take their places up to now.
    this.#cancel(this.#video);
    this.#cancel(this.#audio);
    for (const { reader } of this.#mixed.values()) this.#cancel(reader);
    const encoder = this.#encoder;
    if (!encoder) throw EgressError.internal('the recording never started');
    const nowMs = performance.now();
    this.#tick(nowMs, true);
    if (this.#timeline) this.#writeAudio(this.#timeline.fill(nowMs, true));
    if (this.#mixer) this.#encoder?.audio?.write(this.#mixer.mix(nowMs, true));
    const output = await encoder.close();
    const durationMs = this.#fitter
      ? Math.round((this.#framesWritten * 1000) / this.#fps)
      : Math.round(this.#timeline?.writtenMs ?? this.#mixer?.mixedMs ?? 0);
    return { output, durationMs };
  }

  /** Stops at once, without finishing the file (after a failure). */
  destroy(): void {
    clearInterval(this.#ticker);
    this.detachVideo();
    this.detachAudio();
    this.#encoder?.destroy();
  }

  #read<T>(stream: ReadableStream<T>, what: string, onValue: (value: T) => void) {
    const reader = stream.getReader();
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        onValue(value);
      }
    })().catch((err: unknown) => {
      this.#options.onError(EgressError.internal(`reading the ${what} track failed`, err));
    });
    return reader;
  }

  #cancel(reader: ReadableStreamDefaultReader | undefined): void {
    void reader?.cancel().catch((err: unknown) => this.#log.debug({ err }, 'track reader cancel'));
  }

  #onVideoFrame(frame: VideoFrame, timestampUs: bigint): void {
    noteFrameBytes(frame.data.byteLength);
    // biome-ignore lint/style/noNonNullAssertion: attachVideo runs only with video
    const fitter = this.#fitter!;
    const i420 = frame.type === VideoBufferType.I420 ? frame : frame.convert(VideoBufferType.I420);
    const size = `${i420.width}x${i420.height}`;
    if (size !== this.#inputSize) {
      this.#log.debug({ width: i420.width, height: i420.height }, 'video input size changed');
      this.#inputSize = size;
    }
    const nowMs = performance.now();
    const renderMs = Number(timestampUs) / 1000 - this.#hrtimeMinusPerfMs;
    const atMs = Math.abs(renderMs - nowMs) <= MAX_RENDER_LEAD_MS ? renderMs : nowMs;
    this.#pending.push({ atMs, picture: fitter.fit(i420) });
    if (this.#pending.length > MAX_PENDING_FRAMES) this.#pending.shift();
  }

  #tick(nowMs: number, isFinal = false): void {
    const encoder = this.#encoder;
    if (!encoder) return;
    // Only a stall fills now: frames late by less than that still arrive and take their place.
    const audioUntilMs = nowMs - this.#placedAdvanceMs - AUDIO_STALL_MS;
    if (this.#timeline) this.#writeAudio(this.#timeline.fill(audioUntilMs));
    if (this.#mixer) {
      // Mixed tracks share one advance: it moves with the mix's clock.
      this.#slewAdvance(FRAME_MS);
      this.#encoder?.audio?.write(this.#mixer.mix(nowMs - this.#placedAdvanceMs));
    }
    const video = encoder.video;
    if (!video || !this.#black) return;
    const due = framesDueAt(nowMs - this.#t0 - (isFinal ? 0 : VIDEO_DELAY_MS), this.#fps);
    while (this.#framesWritten < due) {
      const slotMs = this.#t0 + (this.#framesWritten * 1000) / this.#fps;
      while (this.#pending.length > 0 && (this.#pending[0]?.atMs ?? 0) <= slotMs) {
        this.#current = this.#pending.shift()?.picture;
      }
      video.write(this.#isVideoMuted || !this.#current ? this.#black : this.#current);
      this.#framesWritten += 1;
    }
  }

  #writeAudio(chunks: Buffer[]): void {
    for (const chunk of chunks) this.#encoder?.audio?.write(chunk);
  }
}
