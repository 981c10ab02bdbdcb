import {
  EgressError,
  END_REASONS,
  type EndReason,
  GO_MESSAGES,
  type Logger,
} from '@egress/protocol';
import {
  AudioStream,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';
import { startOggOpusSink } from './audio/ogg-opus-sink.js';
import type { PcmSink, PcmSinkResult } from './audio/pcm-sink.js';
import { PcmTimeline } from './audio/pcm-timeline.js';
import { startWebsocketSink } from './audio/websocket-sink.js';
import { type Ending, endingLatch, isEnding } from './ending-latch.js';
import { VideoRecorder } from './video/video-recorder.js';

/** Where a track egress writes. */
export type TrackEgressOutput =
  | {
      kind: 'file';
      /**
       * Local file to write (uploaded by the caller afterwards), or a function naming it once the
       * track is known (Go fills `{track_type}` and the extension after subscribing).
       */
      localPath: string | ((track: { type: 'audio' | 'video' }) => Promise<string>);
      /** @defaultValue 128 */
      audioBitrateKbps?: number;
    }
  | {
      kind: 'websocket';
      /** A secret: never logged or shown. */
      url: string;
      /** The URL as it may be shown. */
      redactedUrl: string;
      /** @defaultValue 30000 (Go) */
      pingIntervalMs?: number;
    };

/** Options of {@link runTrackEgress}. */
export interface RunTrackEgressOptions {
  /** The LiveKit server's WebSocket URL. */
  wsUrl: string;
  /** The recorder's join token (identity = egress id); a secret. */
  token: string;
  /** The track sid to record. */
  trackId: string;
  output: TrackEgressOutput;
  logger: Logger;
  /** Aborting it stops the egress (StopEgress): COMPLETE with the API end reason. */
  signal?: AbortSignal;
  /** How long to wait for the track to be published, milliseconds (Go: 30 s). @defaultValue 30000 */
  trackWaitMs?: number;
  /**
   * Called once the file encoder runs, with its pid: if this process dies, the encoder still
   * finalizes the file, and whoever uploads it waits for that pid to exit.
   */
  onEncoder?: (pid: number) => void;
  /** Called once, when recording starts (the egress is ACTIVE), with the wall-clock time. */
  onActive?: (startedAtMs: number) => void;
  /**
   * Decoded frame length, milliseconds: fewer, longer frames cost less (bench/track: 60 ms takes
   * about 15–20 % less CPU per audio egress than 20 ms, which took less than 10 ms).
   * @defaultValue 60
   */
  frameSizeMs?: number;
}

/** How a track egress ended. */
export type TrackEgressResult =
  | {
      status: 'complete';
      endReason: EndReason;
      startedAtMs: number;
      endedAtMs: number;
      /** Audio written, milliseconds. */
      durationMs: number;
      output: PcmSinkResult;
    }
  | {
      status: 'failed';
      error: EgressError;
      /** Set when it failed after going active. */
      startedAtMs?: number;
      endedAtMs: number;
    }
  | { status: 'aborted'; message: string; endedAtMs: number };

/**
 * Closes the sink of a recording that ended cleanly, once its last audio is written: COMPLETE
 * with what it wrote (`writtenMs` of audio, rounded), or FAILED when it did not finish (the
 * encoder's error).
 */
export async function finishSink(
  sink: PcmSink,
  endReason: EndReason,
  startedAtMs: number,
  writtenMs: number,
): Promise<TrackEgressResult> {
  const endedAtMs = Date.now();
  try {
    const output = await sink.close();
    const durationMs = Math.round(writtenMs);
    return { status: 'complete', endReason, startedAtMs, endedAtMs, durationMs, output };
  } catch (err) {
    return failedResult(EgressError.from(err), startedAtMs);
  }
}

/** A FAILED result ending now; `startedAtMs` where it failed after going active. */
export function failedResult(
  error: EgressError,
  startedAtMs: number | undefined,
): TrackEgressResult {
  return {
    status: 'failed',
    error,
    ...(startedAtMs === undefined ? {} : { startedAtMs }),
    endedAtMs: Date.now(),
  };
}

const SAMPLE_RATE = 48_000;
const CHANNELS = 2;
const FILL_INTERVAL_MS = 50;

/**
 * Runs one track egress (egress-go-behavior.md §6): joins as the hidden recorder with
 * auto-subscribe off, waits up to 30 s for the track (else FAILED `track X not found`, 404),
 * subscribes, and lays the decoded 48 kHz stereo frames on the wall clock into the output, so
 * mute and gaps become silence. It ends COMPLETE on unpublish, participant leave, room close or
 * stop, FAILED when the output breaks. Never rejects: every outcome is a result.
 */
export async function runTrackEgress(options: RunTrackEgressOptions): Promise<TrackEgressResult> {
  const log = options.logger.child({ component: 'track-egress' });
  const room = new Room();
  const { ended, endWith, close: closeLatch } = endingLatch(options.signal);
  const sourceClosed = () => endWith({ ending: 'end', endReason: END_REASONS.sourceClosed });

  let sink: PcmSink | undefined;
  let fillTimer: NodeJS.Timeout | undefined;
  let reader: ReadableStreamDefaultReader | undefined;
  let startedAtMs: number | undefined;
  try {
    const found = await Promise.race([join(room, options), ended]);
    if (isEnding(found)) {
      if (found.ending === 'error') return failed(found.error);
      return { status: 'aborted', message: GO_MESSAGES.stopBeforeStart, endedAtMs: Date.now() };
    }
    const { publication, participant } = found;
    const isVideo = publication.kind !== TrackKind.KIND_AUDIO;
    if (isVideo && options.output.kind === 'websocket') {
      return failed(
        EgressError.invalidArgument(
          `track ${options.trackId} is a video track: websocket output supports audio tracks only`,
        ),
      );
    }
    room.on(RoomEvent.TrackUnpublished, (pub) => {
      if (pub.sid === options.trackId) sourceClosed();
    });
    room.on(RoomEvent.ParticipantDisconnected, (p) => {
      if (p.identity === participant.identity) sourceClosed();
    });
    room.on(RoomEvent.Disconnected, () => sourceClosed());
    const websocket = options.output.kind === 'websocket' ? options.output : undefined;
    const localPath =
      options.output.kind !== 'file'
        ? undefined
        : typeof options.output.localPath === 'string'
          ? options.output.localPath
          : await options.output.localPath({ type: isVideo ? 'video' : 'audio' });
    if (isVideo && localPath) return await recordVideo(publication, localPath);

    sink =
      options.output.kind === 'file' && localPath
        ? startOggOpusSink({
            localPath,
            logger: log,
            ...(options.output.kind === 'file' && options.output.audioBitrateKbps
              ? { bitrateKbps: options.output.audioBitrateKbps }
              : {}),
          })
        : await startWebsocketSink({
            // biome-ignore lint/style/noNonNullAssertion: no local path means a websocket output
            url: websocket!.url,
            // biome-ignore lint/style/noNonNullAssertion: as above
            redactedUrl: websocket!.redactedUrl,
            logger: log,
            ...(websocket?.pingIntervalMs ? { pingIntervalMs: websocket.pingIntervalMs } : {}),
          });
    const activeSink = sink;
    if (activeSink.pid) options.onEncoder?.(activeSink.pid);
    void activeSink.failed.then((error) => endWith({ ending: 'error', error }));

    const track = await Promise.race([subscribe(room, publication, options.trackWaitMs), ended]);
    if (isEnding(track)) {
      if (track.ending === 'error') return failed(track.error);
      activeSink.destroy();
      return { status: 'aborted', message: GO_MESSAGES.stopBeforeStart, endedAtMs: Date.now() };
    }

    const stream = new AudioStream(track, {
      sampleRate: SAMPLE_RATE,
      numChannels: CHANNELS,
      frameSizeMs: options.frameSizeMs ?? 60,
    });
    const timeline = new PcmTimeline(performance.now(), {
      sampleRate: SAMPLE_RATE,
      channels: CHANNELS,
    });
    startedAtMs = Date.now();
    options.onActive?.(startedAtMs);
    log.debug({ trackId: options.trackId }, 'recording track');
    if (publication.muted) activeSink.setMuted(true);
    const onMute = (isMuted: boolean) => (pub: { sid?: string | undefined }) => {
      if (pub.sid === options.trackId) activeSink.setMuted(isMuted);
    };
    room.on(RoomEvent.TrackMuted, onMute(true));
    room.on(RoomEvent.TrackUnmuted, onMute(false));
    const writeAll = (chunks: Buffer[]) => {
      for (const chunk of chunks) activeSink.write(chunk);
    };
    fillTimer = setInterval(() => writeAll(timeline.fill(performance.now())), FILL_INTERVAL_MS);
    const streamReader = stream.getReader();
    reader = streamReader;
    void (async () => {
      for (;;) {
        const { value, done } = await streamReader.read();
        if (done) break;
        writeAll(timeline.push(performance.now(), value.data));
      }
    })().then(sourceClosed, (err: unknown) =>
      endWith({ ending: 'error', error: EgressError.internal('reading the track failed', err) }),
    );

    const ending = await ended;
    clearInterval(fillTimer);
    fillTimer = undefined;
    if (ending.ending === 'error') return failed(ending.error);
    writeAll(timeline.fill(performance.now(), true));
    return await finishSink(activeSink, ending.endReason, startedAtMs, timeline.writtenMs);
  } catch (err) {
    return failed(EgressError.from(err));
  } finally {
    closeLatch();
    if (fillTimer) clearInterval(fillTimer);
    await reader?.cancel().catch((err: unknown) => log.debug({ err }, 'track reader cancel'));
    await leaveRoom(room, log);
  }

  async function recordVideo(
    publication: RemoteTrackPublication,
    path: string,
  ): Promise<TrackEgressResult> {
    const recorder = new VideoRecorder({
      localPath: path,
      logger: log,
      ...(publication.width && publication.height
        ? { size: { width: publication.width, height: publication.height } }
        : {}),
      onFirstFrame: (ms) => {
        startedAtMs = ms;
        options.onActive?.(ms);
      },
      ...(options.onEncoder ? { onEncoder: options.onEncoder } : {}),
      onStreamEnd: sourceClosed,
      onError: (error) => endWith({ ending: 'error', error }),
    });
    const track = await Promise.race([subscribe(room, publication, options.trackWaitMs), ended]);
    if (isEnding(track)) {
      if (track.ending === 'error') return failed(track.error);
      return { status: 'aborted', message: GO_MESSAGES.stopBeforeStart, endedAtMs: Date.now() };
    }
    const onMute = (isMuted: boolean) => (pub: { sid?: string | undefined }) => {
      if (pub.sid === options.trackId) recorder.setMuted(isMuted);
    };
    room.on(RoomEvent.TrackMuted, onMute(true));
    room.on(RoomEvent.TrackUnmuted, onMute(false));
    recorder.start(track, publication.muted ?? false);
    const ending = await ended;
    if (ending.ending === 'error') {
      await recorder.destroy();
      return failed(ending.error);
    }
    if (startedAtMs === undefined) {
      // Stopped before the first frame: nothing was recorded (Go: stopped before it started).
      await recorder.destroy();
      return { status: 'aborted', message: GO_MESSAGES.stopBeforeStart, endedAtMs: Date.now() };
    }
    const endedAtMs = Date.now();
    try {
      const done = await recorder.finish();
      return {
        status: 'complete',
        endReason: ending.endReason,
        startedAtMs: done.startedAtMs,
        endedAtMs,
        durationMs: done.durationMs,
        output: done.output,
      };
    } catch (err) {
      return failed(EgressError.from(err));
    }
  }

  function failed(error: EgressError): TrackEgressResult {
    sink?.destroy();
    return failedResult(error, startedAtMs);
  }
}

/** A published track and its publisher. */
export interface FoundTrack {
  publication: RemoteTrackPublication;
  participant: RemoteParticipant;
}

async function join(room: Room, options: RunTrackEgressOptions): Promise<FoundTrack | Ending> {
  const waitMs = options.trackWaitMs ?? 30_000;
  let onPublished: (() => void) | undefined;
  const published = new Promise<void>((resolve) => {
    onPublished = resolve;
  });
  room.on(RoomEvent.TrackPublished, (pub) => {
    if (pub.sid === options.trackId) onPublished?.();
  });
  try {
    await room.connect(options.wsUrl, options.token, { autoSubscribe: false, dynacast: false });
  } catch (err) {
    // The SDK's message names the server URL and socket details: logged, not shown.
    options.logger.warn({ err }, 'could not connect to the room');
    return { ending: 'error', error: EgressError.unavailable('could not connect to the room') };
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, waitMs);
  });
  try {
    for (;;) {
      const found = findTrack(room, options.trackId);
      if (found) return found;
      const what = await Promise.race([published.then(() => 'published'), timedOut]);
      if (what !== 'published') {
        const found = findTrack(room, options.trackId);
        if (found) return found;
        // Go's ErrTrackNotFound: "track %s not found", NotFound (404).
        return {
          ending: 'error',
          error: EgressError.notFound(`track ${options.trackId} not found`),
        };
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The publication of `trackId` in the room, if published. */
export function findTrack(room: Room, trackId: string): FoundTrack | undefined {
  for (const participant of room.remoteParticipants.values()) {
    for (const publication of participant.trackPublications.values()) {
      if (publication.sid === trackId) return { publication, participant };
    }
  }
  return undefined;
}

/** Subscribes to a publication; resolves with the track or the ending "failed to subscribe". */
export async function subscribe(
  room: Room,
  publication: RemoteTrackPublication,
  waitMs = 30_000,
): Promise<RemoteTrack | Ending> {
  let timer: NodeJS.Timeout | undefined;
  const subscribed = new Promise<RemoteTrack | Ending>((resolve) => {
    room.on(RoomEvent.TrackSubscribed, (track, pub) => {
      if (pub.sid === publication.sid) resolve(track);
    });
    room.on(RoomEvent.TrackSubscriptionFailed, (sid) => {
      if (sid === publication.sid) resolve(subscriptionFailed());
    });
    timer = setTimeout(() => resolve(subscriptionFailed()), waitMs);
  });
  publication.setSubscribed(true);
  if (publication.track) {
    clearTimeout(timer);
    return publication.track;
  }
  try {
    return await subscribed;
  } finally {
    clearTimeout(timer);
  }
}

// Go's ErrSubscriptionFailed.
function subscriptionFailed(): Ending {
  return { ending: 'error', error: EgressError.unavailable('failed to subscribe to track') };
}

/** Leaves the room as the recorder (a failed disconnect only logged) and drops its listeners. */
export async function leaveRoom(room: Room, log: Logger): Promise<void> {
  await room.disconnect().catch((err: unknown) => log.debug({ err }, 'room disconnect'));
  room.removeAllListeners();
}
