import { EgressError, END_REASONS, GO_MESSAGES, type Logger } from '@egress/protocol';
import { AudioStream, type RemoteTrack, Room, RoomEvent } from '@livekit/rtc-node';
import { followRoomAudio } from './audio/follow-room-audio.js';
import type { MixChannelChooser } from './audio/mix-channels.js';
import type { PcmSink } from './audio/pcm-sink.js';
import {
  type MixChannel,
  RoomAudioMixer,
  type RoomAudioMixerOptions,
} from './audio/room-audio-mixer.js';
import { endingLatch } from './ending-latch.js';
import { failedResult, finishSink, leaveRoom, type TrackEgressResult } from './track-egress.js';

/** Options of {@link runAudioRoomComposite}. */
export interface RunAudioRoomCompositeOptions {
  /** The LiveKit server's WebSocket URL. */
  wsUrl: string;
  /** The recorder's join token (identity = egress id, hidden); a secret. */
  token: string;
  /**
   * Starts the output once audio flows (the egress goes ACTIVE then); it is fed the mix as raw
   * S16LE 48 kHz stereo.
   */
  startSink: () => PcmSink | Promise<PcmSink>;
  logger: Logger;
  /** Aborting it stops the egress (StopEgress). */
  signal?: AbortSignal;
  /** Called once, when recording starts, with the wall-clock time. */
  onActive?: (startedAtMs: number) => void;
  /** Called with the encoder's pid once it runs (a crash-safe upload waits for it). */
  onEncoder?: (pid: number) => void;
  /**
   * Which audio tracks are mixed and in which channel: the request's `audio_mixing`
   * (`channelsByMixing`) or a v2 media source's routes (`channelsByRoutes`).
   * @defaultValue every track in both channels
   */
  channelOf?: MixChannelChooser;
  /** Tuning of the mix (latency, gap handling). */
  mixer?: RoomAudioMixerOptions;
  /** Decoded frame length, milliseconds (as track egress: 60 ms costs less than 20). @defaultValue 60 */
  frameSizeMs?: number;
  /** How often the mix is written, milliseconds. @defaultValue 50 */
  mixIntervalMs?: number;
}

const SAMPLE_RATE = 48_000;
const CHANNELS = 2;

/**
 * The audio-only room composite without Chromium (Go's SDK source for a room composite with
 * `audio_only`, no layout and no custom base URL; egress-go-behavior.md §5, §6): joins as the
 * hidden recorder with auto-subscribe off, subscribes to every audio track of the room, those
 * published later included (screen-share audio too, as Go subscribes by kind), and mixes them
 * on the wall clock ({@link RoomAudioMixer}) into the sink.
 *
 * Lifecycle as Go's: recording starts with the first decoded audio (Go starts when its
 * synchronizer sees media); StopEgress or the room closing before that ends it ABORTED "Start
 * signal not received", and an empty room stays STARTING. Once recording, it ends COMPLETE on
 * StopEgress or room close (participants leaving do not end it), FAILED when the output breaks.
 * Never rejects: every outcome is a result.
 */
export async function runAudioRoomComposite(
  options: RunAudioRoomCompositeOptions,
): Promise<TrackEgressResult> {
  const log = options.logger.child({ component: 'audio-room-composite' });
  const room = new Room();
  const { ended, endWith, close: closeLatch } = endingLatch(options.signal);

  const readers = new Map<string, ReadableStreamDefaultReader>();
  const channels = new Map<string, MixChannel>();
  let mixer: RoomAudioMixer | undefined;
  let sink: PcmSink | undefined;
  let mixTimer: NodeJS.Timeout | undefined;
  let startedAtMs: number | undefined;
  let starting: Promise<void> | undefined;

  // The first frame of any track starts the recording: the clock, the sink and ACTIVE.
  const start = (): Promise<void> => {
    starting ??= (async () => {
      const sinkNow = await options.startSink();
      sink = sinkNow;
      if (sinkNow.pid) options.onEncoder?.(sinkNow.pid);
      void sinkNow.failed.then((error) => endWith({ ending: 'error', error }));
      const startedMixer = new RoomAudioMixer(performance.now(), options.mixer);
      for (const [trackId, channel] of channels) startedMixer.addTrack(trackId, channel);
      mixer = startedMixer;
      startedAtMs = Date.now();
      options.onActive?.(startedAtMs);
      mixTimer = setInterval(
        () => sinkNow.write(startedMixer.mix(performance.now())),
        options.mixIntervalMs ?? 50,
      );
    })();
    return starting;
  };

  const record = (track: RemoteTrack, trackId: string, channel: MixChannel) => {
    if (readers.has(trackId)) return;
    const stream = new AudioStream(track, {
      sampleRate: SAMPLE_RATE,
      numChannels: CHANNELS,
      frameSizeMs: options.frameSizeMs ?? 60,
    });
    const reader = stream.getReader();
    readers.set(trackId, reader);
    channels.set(trackId, channel);
    mixer?.addTrack(trackId, channel);
    log.debug({ trackId }, 'mixing track');
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!mixer) await start();
        mixer?.push(trackId, performance.now(), value.data);
      }
    })()
      .catch((err: unknown) =>
        endWith({ ending: 'error', error: EgressError.from(err, 'reading a track failed') }),
      )
      .finally(() => forget(trackId));
  };
  const forget = (trackId: string) => {
    const reader = readers.get(trackId);
    if (!reader) return;
    readers.delete(trackId);
    channels.delete(trackId);
    mixer?.removeTrack(trackId);
    void reader.cancel().catch((err: unknown) => log.debug({ err }, 'track reader cancel'));
  };
  try {
    room.on(RoomEvent.Disconnected, () =>
      endWith({ ending: 'end', endReason: END_REASONS.sourceClosed }),
    );
    try {
      await room.connect(options.wsUrl, options.token, { autoSubscribe: false, dynacast: false });
    } catch (err) {
      // The SDK's message names the server URL and socket details: logged, not shown.
      log.warn({ err }, 'could not connect to the room');
      return failed(EgressError.unavailable('could not connect to the room'));
    }
    followRoomAudio(room, options.channelOf ?? (() => 'both'), {
      onTrack: record,
      onGone: forget,
    });

    const ending = await ended;
    // A start under way (the sink launching) finishes first, so it is closed, not leaked.
    // Its failure already ended the egress through the track reader that awaited it.
    await starting?.catch(() => undefined);
    clearInterval(mixTimer);
    mixTimer = undefined;
    if (ending.ending === 'error') return failed(ending.error);
    if (!mixer || !sink || startedAtMs === undefined) {
      return {
        status: 'aborted',
        message: GO_MESSAGES.startSignalNotReceived,
        endedAtMs: Date.now(),
      };
    }
    sink.write(mixer.mix(performance.now(), true));
    return await finishSink(sink, ending.endReason, startedAtMs, mixer.mixedMs);
  } catch (err) {
    return failed(EgressError.from(err));
  } finally {
    closeLatch();
    clearInterval(mixTimer);
    for (const trackId of [...readers.keys()]) forget(trackId);
    await leaveRoom(room, log);
  }

  function failed(error: EgressError): TrackEgressResult {
    sink?.destroy();
    return failedResult(error, startedAtMs);
  }
}
