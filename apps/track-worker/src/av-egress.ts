import type { CompositeOutputPlan } from '@egress/media';
import { EgressError, END_REASONS, GO_MESSAGES, type Logger } from '@egress/protocol';
import { Room, RoomEvent } from '@livekit/rtc-node';
import { followRoomAudio } from './audio/follow-room-audio.js';
import type { MixChannelChooser } from './audio/mix-channels.js';
import type { AvEncoder, AvEncoderOptions } from './av-encoder.js';
import { AvRecorder } from './av-recorder.js';
import { type Ending, endingLatch } from './ending-latch.js';
import { followReceiveDelays } from './receive-delays.js';
import { failedResult, leaveRoom, type TrackEgressResult } from './track-egress.js';

/** Options of {@link runAvEgress}. */
export interface AvEgressOptions {
  /** The LiveKit server's WebSocket URL. */
  wsUrl: string;
  /** The recorder's join token (identity = egress id); a secret. */
  token: string;
  /** Every output at the egress's encoding (`TrackOutputs.plan`), written by one encoder. */
  outputs: CompositeOutputPlan;
  logger: Logger;
  /** Aborting it stops the egress (StopEgress): COMPLETE with the API end reason. */
  signal?: AbortSignal;
  /** How long to wait for the tracks or the participant, milliseconds (Go: 30 s). @defaultValue 30000 */
  trackWaitMs?: number;
  /** The output video (fixed size: other sizes are scaled into it); absent: no video. */
  video?: { width: number; height: number; fps: number };
  /** Whether the output has audio. */
  audio?: boolean;
  /**
   * The audio is the room's tracks this chooses, each in its channel, mixed (a v2 media source's
   * routes and `capture_all`), instead of the source's own audio track.
   */
  audioChannelOf?: MixChannelChooser;
  /** See {@link AvRecorderOptions.audioAdvanceMs}. */
  audioAdvanceMs?: number;
  /** Called once, when recording starts (the egress is ACTIVE), with the wall-clock time. */
  onActive?: (startedAtMs: number) => void;
  /** Called with the encoder's pid once it runs (crash-safe upload, see CellPool). */
  onEncoder?: (pid: number) => void;
  /** @defaultValue startAvEncoder */
  startEncoder?: (options: AvEncoderOptions) => AvEncoder;
}

/** What an {@link AvSource} works with once its source is in the room. */
export interface AvSourceContext {
  room: Room;
  recorder: AvRecorder;
  /** Ends the egress: COMPLETE with a reason, or FAILED. */
  end: (ending: Ending) => void;
  log: Logger;
  trackWaitMs: number;
}

/** Which tracks an audio/video egress records: fixed tracks, or a participant's. */
export interface AvSource {
  /**
   * Waits until the source is in the room (up to `waitMs`), or returns the ending (Go's
   * "track X not found" / "participant X not found", 404).
   */
  waitFor(room: Room, waitMs: number): Promise<Ending | undefined>;
  /**
   * Subscribes to the source's tracks and attaches them to the recorder, now and as they change,
   * and ends the egress when the source ends. Resolves once the tracks already published are
   * subscribed (or given up on), so the recording can start.
   */
  follow(context: AvSourceContext): Promise<void>;
}

/** How often the jitter buffer delays are read to keep audio and video in step. */
const RECEIVE_DELAY_INTERVAL_MS = 2000;

/** How long recording waits for the tracks already published to be subscribed (Go: 3 s). */
const SUBSCRIBE_BEFORE_START_MS = 3000;

/**
 * Runs an audio/video SDK egress (track composite, participant): joins as the hidden recorder
 * (auto-subscribe off), waits for the source, subscribes, records through {@link AvRecorder} into
 * one encoder, and ends COMPLETE when the source ends, the room closes or on stop; FAILED when a
 * track cannot be read or the encoder breaks. Never rejects: every outcome is a result.
 */
export async function runAvEgress(
  options: AvEgressOptions,
  source: AvSource,
): Promise<TrackEgressResult> {
  const log = options.logger.child({ component: 'av-egress' });
  const room = new Room();
  const { ended, endWith, close: closeLatch } = endingLatch(options.signal);
  const recorder = new AvRecorder({
    encoder: {
      outputs: options.outputs,
      ...(options.video ? { video: options.video } : {}),
      ...(options.audio ? { audio: true } : {}),
    },
    logger: log,
    ...(options.audioAdvanceMs === undefined ? {} : { audioAdvanceMs: options.audioAdvanceMs }),
    ...(options.startEncoder ? { startEncoder: options.startEncoder } : {}),
    ...(options.audioChannelOf ? { mixesAudio: true } : {}),
    onError: (error) => endWith({ ending: 'error', error }),
  });
  let startedAtMs: number | undefined;
  let stopDelays: () => void = () => undefined;
  const failed = (error: EgressError): TrackEgressResult => {
    recorder.destroy();
    return failedResult(error, startedAtMs);
  };
  const notStarted = (ending: Ending): TrackEgressResult => {
    if (ending.ending === 'error') return failed(ending.error);
    recorder.destroy();
    return { status: 'aborted', message: GO_MESSAGES.stopBeforeStart, endedAtMs: Date.now() };
  };
  try {
    try {
      await room.connect(options.wsUrl, options.token, { autoSubscribe: false, dynacast: false });
    } catch (err) {
      // The SDK's message names the server URL and socket details: logged, not shown.
      log.warn({ err }, 'could not connect to the room');
      return failed(EgressError.unavailable('could not connect to the room'));
    }
    room.on(RoomEvent.Disconnected, () =>
      endWith({ ending: 'end', endReason: END_REASONS.sourceClosed }),
    );
    const trackWaitMs = options.trackWaitMs ?? 30_000;
    const found = await Promise.race([source.waitFor(room, trackWaitMs), ended]);
    if (found) return notStarted(found);
    const context = { room, recorder, end: endWith, log, trackWaitMs };
    const ready = source.follow(context);
    if (options.audio && options.audioChannelOf) {
      followRoomAudio(room, options.audioChannelOf, {
        onTrack: (track, trackId, channel) => recorder.attachAudio(track, { trackId, channel }),
        onGone: (trackId) => recorder.detachAudio(trackId),
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SUBSCRIBE_BEFORE_START_MS);
    });
    const first = await Promise.race([Promise.race([ready, gaveUp]).then(() => undefined), ended]);
    clearTimeout(timer);
    if (first) return notStarted(first);
    recorder.start();
    startedAtMs = Date.now();
    stopDelays = followReceiveDelays(room, (delays) => recorder.setReceiveDelays(delays), {
      intervalMs: RECEIVE_DELAY_INTERVAL_MS,
      logger: log,
    });
    if (recorder.pid) options.onEncoder?.(recorder.pid);
    options.onActive?.(startedAtMs);

    const ending = await ended;
    if (ending.ending === 'error') return failed(ending.error);
    const endedAtMs = Date.now();
    try {
      const { output, durationMs } = await recorder.finish();
      return {
        status: 'complete',
        endReason: ending.endReason,
        startedAtMs,
        endedAtMs,
        durationMs,
        output,
      };
    } catch (err) {
      return failed(EgressError.from(err));
    }
  } catch (err) {
    log.warn({ err }, 'the egress failed unexpectedly');
    return failed(EgressError.from(err));
  } finally {
    stopDelays();
    closeLatch();
    await leaveRoom(room, log);
  }
}
