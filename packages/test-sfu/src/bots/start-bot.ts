import { setTimeout as delay } from 'node:timers/promises';
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  type LocalTrack,
  type LocalTrackPublication,
  LocalVideoTrack,
  Room,
  TrackPublishOptions,
  TrackSource,
  VideoBufferType,
  VideoCodec,
  VideoFrame,
  VideoSource,
} from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { setLocalTrackMuted } from './local-track-mute.js';
import { PatternRenderer } from './pattern-renderer.js';
import { ToneGenerator } from './tone-generator.js';

/** What a bot publishes. */
export type BotKind = 'audio' | 'video' | 'audio-video' | 'screen-share';

/** Which of a bot's tracks a step or call acts on. */
export type BotTrack = 'audio' | 'video';

/** One scripted step, `atMs` after the bot published its tracks. */
export interface BotStep {
  atMs: number;
  action: 'mute' | 'unmute' | 'unpublish' | 'publish' | 'resize' | 'leave';
  /** Required for mute, unmute, unpublish and publish. */
  track?: BotTrack;
  /** The new video size, for resize. */
  width?: number;
  height?: number;
}

/** Options for {@link startBot}. */
export interface BotOptions {
  /** The SFU's signalling URL (`ws://127.0.0.1:<port>`). */
  url: string;
  /** A join token; without one, pass apiKey, apiSecret, room and identity to mint one. */
  token?: string;
  apiKey?: string;
  apiSecret?: string;
  room?: string;
  identity?: string;
  /** @defaultValue the identity */
  name?: string;
  /**
   * audio: a tone (microphone); video: the moving pattern (camera); audio-video: both;
   * screen-share: the pattern as a screen share plus the tone as screen-share audio.
   */
  kind: BotKind;
  /**
   * Send the A/V sync signal instead: a 1 kHz beep and a white frame at the same instant, for
   * 100 ms at the start of every second.
   * @defaultValue false
   */
  isSyncSignal?: boolean;
  /** @defaultValue 'vp8' */
  videoCodec?: 'vp8' | 'h264';
  /** @defaultValue 320 (640 for screen-share) */
  width?: number;
  /** @defaultValue 240 (360 for screen-share) */
  height?: number;
  /** @defaultValue 30 (5 for screen-share) */
  fps?: number;
  /**
   * Publish video with simulcast layers (the SFU forwards one).
   * @defaultValue false
   */
  simulcast?: boolean;
  /** @defaultValue 440 */
  toneHz?: number;
  /** Steps to run after publishing; see {@link Bot.scriptDone}. */
  script?: BotStep[];
  /**
   * Tracks of its kind not to publish at start (a late publisher): a `publish` step or
   * {@link Bot.publish} publishes them.
   */
  unpublished?: BotTrack[];
}

/** A connected publisher bot. */
export interface Bot {
  readonly identity: string;
  readonly room: Room;
  /** Track publications by kind, while published. */
  readonly publications: Partial<Record<BotTrack, LocalTrackPublication>>;
  /**
   * When the signal began, on the `performance.now()` clock: video frame `i` is due
   * `i / fps` seconds later and the sync signal's pulses start on every whole second after it.
   */
  readonly signalStartedAtMs: number;
  /** Video frames captured so far. */
  readonly videoFramesSent: number;
  /** Audio samples captured so far. */
  readonly audioSamplesSent: number;
  /** Resolves when every scripted step has run (at once without a script). */
  readonly scriptDone: Promise<void>;
  setMuted(track: BotTrack, isMuted: boolean): void;
  unpublish(track: BotTrack): Promise<void>;
  /** Publishes a track of the bot's kind that is not published (again, after unpublish). */
  publish(track: BotTrack): Promise<void>;
  /** Sends video frames of this size from now on (a resolution switch). */
  resize(width: number, height: number): void;
  /** Stops the media and leaves the room. Idempotent. */
  leave(): Promise<void>;
}

interface MediaPump {
  track: LocalTrack;
  stop(): Promise<void>;
}

/**
 * Connects an `@livekit/rtc-node` participant that publishes known media: a tone, a moving
 * pattern with a frame counter, or the A/V sync signal. The process must call rtc-node's
 * `dispose()` once all bots and rooms are gone, or it will not exit.
 *
 * @throws Error when neither a token nor apiKey, apiSecret, room and identity are given, or the
 *   connection fails
 */
export async function startBot(options: BotOptions): Promise<Bot> {
  const token = options.token ?? (await mintToken(options));
  const room = new Room();
  await room.connect(options.url, token, { autoSubscribe: false, dynacast: false });
  const local = room.localParticipant;
  if (!local) throw new Error('startBot: connected without a local participant');
  const isScreenShare = options.kind === 'screen-share';
  const pumps: Partial<Record<BotTrack, MediaPump>> = {};
  const publications: Partial<Record<BotTrack, LocalTrackPublication>> = {};
  const tone = new ToneGenerator({
    frequencyHz: options.toneHz ?? 440,
    isSyncSignal: options.isSyncSignal ?? false,
  });
  const patternOf = (width: number, height: number) =>
    new PatternRenderer({
      width,
      height,
      fps: options.fps ?? (isScreenShare ? 5 : 30),
      isSyncSignal: options.isSyncSignal ?? false,
    });
  let pattern = patternOf(
    options.width ?? (isScreenShare ? 640 : 320),
    options.height ?? (isScreenShare ? 360 : 240),
  );
  let videoFramesSent = 0;
  // One clock for both halves of the sync signal.
  const startedAtMs = performance.now();

  const publish = async (kind: BotTrack) => {
    if (pumps[kind]) throw new Error(`bot ${local.identity} already publishes ${kind}`);
    if (kind === 'audio') {
      const pump = startAudio(tone, startedAtMs);
      pumps.audio = pump;
      const publishOptions = new TrackPublishOptions({
        source: isScreenShare
          ? TrackSource.SOURCE_SCREENSHARE_AUDIO
          : TrackSource.SOURCE_MICROPHONE,
      });
      publications.audio = await local.publishTrack(pump.track, publishOptions);
    } else {
      const pump = startVideo(
        () => pattern,
        startedAtMs,
        () => videoFramesSent++,
      );
      pumps.video = pump;
      const publishOptions = new TrackPublishOptions({
        source: isScreenShare ? TrackSource.SOURCE_SCREENSHARE : TrackSource.SOURCE_CAMERA,
        simulcast: options.simulcast ?? false,
        videoCodec: options.videoCodec === 'h264' ? VideoCodec.H264 : VideoCodec.VP8,
      });
      publications.video = await local.publishTrack(pump.track, publishOptions);
    }
  };
  const kinds: BotTrack[] =
    options.kind === 'audio'
      ? ['audio']
      : options.kind === 'video'
        ? ['video']
        : ['audio', 'video'];
  for (const kind of kinds) if (!options.unpublished?.includes(kind)) await publish(kind);

  let leaving: Promise<void> | undefined;
  const bot: Bot = {
    identity: local.identity,
    room,
    publications,
    signalStartedAtMs: startedAtMs,
    get videoFramesSent() {
      return videoFramesSent;
    },
    get audioSamplesSent() {
      return tone.samplesProduced;
    },
    scriptDone: Promise.resolve(),
    setMuted(track, isMuted) {
      const pump = pumps[track];
      if (!pump) throw new Error(`bot ${local.identity} has no ${track} track`);
      setLocalTrackMuted(pump.track, isMuted);
    },
    async unpublish(track) {
      const publication = publications[track];
      const pump = pumps[track];
      if (!publication?.sid || !pump)
        throw new Error(`bot ${local.identity} has no ${track} track`);
      delete publications[track];
      delete pumps[track];
      await local.unpublishTrack(publication.sid);
      await pump.stop();
    },
    async publish(track) {
      if (!kinds.includes(track)) throw new Error(`bot ${local.identity} has no ${track} track`);
      await publish(track);
    },
    resize(width, height) {
      pattern = patternOf(width, height);
    },
    leave() {
      leaving ??= (async () => {
        await Promise.all(Object.values(pumps).map((pump) => pump.stop()));
        await room.disconnect();
      })();
      return leaving;
    },
  };
  if (options.script?.length) {
    (bot as { scriptDone: Promise<void> }).scriptDone = runScript(bot, options.script);
  }
  return bot;
}

async function mintToken(options: BotOptions): Promise<string> {
  const { apiKey, apiSecret, room, identity } = options;
  if (!apiKey || !apiSecret || !room || !identity) {
    throw new Error('startBot: pass token, or apiKey, apiSecret, room and identity');
  }
  const token = new AccessToken(apiKey, apiSecret, { identity, name: options.name ?? identity });
  token.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
  return token.toJwt();
}

async function runScript(bot: Bot, steps: BotStep[]): Promise<void> {
  const startedAtMs = Date.now();
  for (const step of [...steps].sort((a, b) => a.atMs - b.atMs)) {
    await delay(Math.max(0, step.atMs - (Date.now() - startedAtMs)));
    if (step.action === 'leave') {
      await bot.leave();
      return;
    }
    if (step.action === 'resize') {
      if (!step.width || !step.height) throw new Error('bot step resize needs width and height');
      bot.resize(step.width, step.height);
      continue;
    }
    if (!step.track) throw new Error(`bot step ${step.action} needs a track`);
    if (step.action === 'unpublish') await bot.unpublish(step.track);
    else if (step.action === 'publish') await bot.publish(step.track);
    else bot.setMuted(step.track, step.action === 'mute');
  }
}

// rtc-node's audio queue: a short one keeps captureFrame paced in real time, so mute and
// unpublish act quickly.
const AUDIO_QUEUE_MS = 100;
// How far audio may fall behind the wall clock before samples are skipped.
const AUDIO_MAX_LAG_MS = 20;

function startAudio(tone: ToneGenerator, startedAtMs: number): MediaPump {
  const source = new AudioSource(tone.sampleRate, 1, AUDIO_QUEUE_MS);
  const track = LocalAudioTrack.createAudioTrack('tone', source);
  let isStopped = false;
  const loop = (async () => {
    while (!isStopped) {
      // A frame captured now plays once the audio queued ahead of it drains; the signal is timed
      // on the video's wall clock, so catch up if capture fell behind (before the track is
      // published, or when the process stalls).
      const dueMs = performance.now() + source.queuedDuration - startedAtMs;
      const dueSample = (dueMs * tone.sampleRate) / 1000;
      if (tone.samplesProduced < dueSample - (AUDIO_MAX_LAG_MS * tone.sampleRate) / 1000) {
        tone.skipTo(dueSample);
      }
      const samples = tone.next();
      await source.captureFrame(new AudioFrame(samples, tone.sampleRate, 1, samples.length));
    }
  })();
  return {
    track,
    async stop() {
      isStopped = true;
      await loop.catch(() => {
        // captureFrame rejects once the source is closed under it; the loop is over either way.
      });
      await source.close();
    },
  };
}

function startVideo(
  patternNow: () => PatternRenderer,
  startedAtMs: number,
  onFrame: () => void,
): MediaPump {
  const first = patternNow();
  const source = new VideoSource(first.width, first.height);
  const track = LocalVideoTrack.createVideoTrack('pattern', source);
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  // Each frame is due at startedAtMs + index / fps; late frames are skipped, not bunched, so the
  // counter and the flashes stay on the wall clock.
  const tick = () => {
    const pattern = patternNow();
    const elapsedMs = performance.now() - startedAtMs;
    index = Math.max(index, Math.floor((elapsedMs * pattern.fps) / 1000));
    const frame = new VideoFrame(
      pattern.render(index),
      pattern.width,
      pattern.height,
      VideoBufferType.RGBA,
    );
    source.captureFrame(frame);
    onFrame();
    index += 1;
    const dueMs = startedAtMs + (index * 1000) / pattern.fps;
    timer = setTimeout(tick, Math.max(0, dueMs - performance.now()));
  };
  timer = setTimeout(tick, 0);
  return {
    track,
    async stop() {
      clearTimeout(timer);
      await source.close();
    },
  };
}
