import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { EgressError, END_REASONS, GO_MESSAGES, type Logger } from '@egress/protocol';
import {
  AudioStream,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
  VideoBufferType,
  VideoStream,
} from '@livekit/rtc-node';
import { PcmTimeline } from './audio/pcm-timeline.js';
import {
  type Ending,
  type FoundTrack,
  findTrack,
  isEnding,
  subscribe,
  type TrackEgressResult,
} from './track-egress.js';
import { blackI420, framesDueAt } from './video/frame-clock.js';

/** Options of {@link runTrackCompositeEgress}. */
export interface RunTrackCompositeEgressOptions {
  wsUrl: string;
  /** A secret. */
  token: string;
  audioTrackId: string;
  videoTrackId: string;
  /** The MP4 file to write. */
  localPath: string;
  logger: Logger;
  signal?: AbortSignal;
  /** @defaultValue 30000 (Go) */
  trackWaitMs?: number;
  /** @defaultValue 30 */
  fps?: number;
  /** @defaultValue 3000 */
  videoBitrateKbps?: number;
  /** @defaultValue 128 */
  audioBitrateKbps?: number;
  /**
   * How much earlier audio is placed than it arrives, milliseconds: rtc-node hands over decoded
   * audio 60–110 ms after the video of the same instant (jitter buffer; measured on the sync bot,
   * 3 runs: 64, 83, 106 ms), and without capture times on audio frames a constant is what can
   * be corrected. @defaultValue 50
   */
  audioAdvanceMs?: number;
  onActive?: (startedAtMs: number) => void;
  onEncoder?: (pid: number) => void;
}

/** gst-launch arguments: raw I420 on fd 0 and S16LE 48 kHz stereo on fd 3 → fragmented MP4. */
export function avMp4Args(o: {
  localPath: string;
  width: number;
  height: number;
  fps: number;
  videoBitrateKbps: number;
  audioBitrateKbps: number;
}): string[] {
  return [
    '-q',
    'fdsrc',
    'fd=0',
    '!',
    'rawvideoparse',
    'use-sink-caps=false',
    'format=i420',
    `width=${o.width}`,
    `height=${o.height}`,
    `framerate=${o.fps}/1`,
    '!',
    'queue',
    '!',
    'x264enc',
    'speed-preset=veryfast',
    'tune=zerolatency',
    `bitrate=${o.videoBitrateKbps}`,
    `key-int-max=${o.fps * 2}`,
    '!',
    'h264parse',
    '!',
    'queue',
    '!',
    'mux.',
    'fdsrc',
    'fd=3',
    '!',
    'rawaudioparse',
    'use-sink-caps=false',
    'format=pcm',
    'pcm-format=s16le',
    'sample-rate=48000',
    'num-channels=2',
    '!',
    'queue',
    '!',
    'audioconvert',
    '!',
    'avenc_aac',
    `bitrate=${o.audioBitrateKbps * 1000}`,
    '!',
    'aacparse',
    '!',
    'queue',
    '!',
    'mux.',
    'mp4mux',
    'name=mux',
    'fragment-duration=1000',
    '!',
    'filesink',
    `location=${o.localPath}`,
  ];
}

/**
 * Track composite egress to MP4 (one audio and one video track of the room, synchronized):
 * both tracks are laid on one wall clock that starts at the first video frame (the output size
 * is that frame's), audio as in track egress (gaps → silence), video at a constant rate (gaps →
 * last frame, mute → black), muxed by one `gst-launch-1.0` child fed on two pipes.
 */
export async function runTrackCompositeEgress(
  options: RunTrackCompositeEgressOptions,
): Promise<TrackEgressResult> {
  const log = options.logger.child({ component: 'track-composite-egress' });
  const fps = options.fps ?? 30;
  const room = new Room();
  let endWith: (ending: Ending) => void = () => undefined;
  const ended = new Promise<Ending>((resolve) => {
    endWith = resolve;
  });
  const sourceClosed = () => endWith({ ending: 'end', endReason: END_REASONS.sourceClosed });
  const onAbort = () => endWith({ ending: 'end', endReason: END_REASONS.api });
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const readers: ReadableStreamDefaultReader[] = [];
  let child: ChildProcess | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let startedAtMs: number | undefined;
  const failed = (error: EgressError): TrackEgressResult => {
    child?.kill('SIGKILL');
    return {
      status: 'failed',
      error,
      ...(startedAtMs === undefined ? {} : { startedAtMs }),
      endedAtMs: Date.now(),
    };
  };
  const aborted = (): TrackEgressResult => ({
    status: 'aborted',
    message: GO_MESSAGES.stopBeforeStart,
    endedAtMs: Date.now(),
  });
  try {
    try {
      await room.connect(options.wsUrl, options.token, { autoSubscribe: false, dynacast: false });
    } catch (err) {
      log.warn({ err }, 'could not connect to the room');
      return failed(EgressError.unavailable('could not connect to the room'));
    }
    const found = await Promise.race([waitForTracks(room, options), ended]);
    if (isEnding(found)) return found.ending === 'error' ? failed(found.error) : aborted();
    const [audioFound, videoFound] = found;
    for (const f of found) {
      room.on(RoomEvent.ParticipantDisconnected, (p) => {
        if (p.identity === f.participant.identity) sourceClosed();
      });
    }
    room.on(RoomEvent.TrackUnpublished, (pub) => {
      if (pub.sid === options.audioTrackId || pub.sid === options.videoTrackId) sourceClosed();
    });
    room.on(RoomEvent.Disconnected, () => sourceClosed());
    let isVideoMuted = videoFound.publication.muted ?? false;
    room.on(RoomEvent.TrackMuted, (pub) => {
      if (pub.sid === options.videoTrackId) isVideoMuted = true;
    });
    room.on(RoomEvent.TrackUnmuted, (pub) => {
      if (pub.sid === options.videoTrackId) isVideoMuted = false;
    });

    const tracks = await Promise.race([
      Promise.all([
        subscribe(room, audioFound.publication, options.trackWaitMs),
        subscribe(room, videoFound.publication, options.trackWaitMs),
      ]),
      ended,
    ]);
    if (isEnding(tracks)) return tracks.ending === 'error' ? failed(tracks.error) : aborted();
    const [audioTrack, videoTrack] = tracks;
    if (isEnding(audioTrack))
      return audioTrack.ending === 'error' ? failed(audioTrack.error) : aborted();
    if (isEnding(videoTrack))
      return videoTrack.ending === 'error' ? failed(videoTrack.error) : aborted();

    let advanceSamples = Math.round(((options.audioAdvanceMs ?? 50) * 48_000) / 1000);
    // Everything below starts at the first video frame (t0).
    let t0: number | undefined;
    let width = 0;
    let height = 0;
    let latest: Buffer | undefined;
    let black: Buffer | undefined;
    let written = 0;
    let timeline: PcmTimeline | undefined;
    let videoIn: Writable | undefined;
    let audioIn: Writable | undefined;
    const tail: string[] = [];
    let exited: Promise<number | null> = Promise.resolve(null);
    let isClosing = false;

    const tickVideo = () => {
      if (t0 === undefined || !latest || !videoIn) return;
      const due = framesDueAt(performance.now() - t0, fps);
      while (written < due) {
        if (isVideoMuted) {
          black ??= blackI420(width, height);
          videoIn.write(black);
        } else {
          videoIn.write(latest);
        }
        written += 1;
      }
    };
    const writeAudio = (chunks: Buffer[]) => {
      for (const chunk of chunks) audioIn?.write(chunk);
    };
    const startEncoder = (w: number, h: number) => {
      width = w;
      height = h;
      const proc = spawn(
        'gst-launch-1.0',
        avMp4Args({
          localPath: options.localPath,
          width: w,
          height: h,
          fps,
          videoBitrateKbps: options.videoBitrateKbps ?? 3000,
          audioBitrateKbps: options.audioBitrateKbps ?? 128,
        }),
        { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] },
      );
      child = proc;
      videoIn = proc.stdin ?? undefined;
      audioIn = (proc.stdio[3] as Writable | null) ?? undefined;
      videoIn?.on('error', (err) => log.debug({ err }, 'video pipe closed'));
      audioIn?.on('error', (err) => log.debug({ err }, 'audio pipe closed'));
      proc.stderr?.setEncoding('utf8');
      proc.stderr?.on('data', (text: string) => {
        for (const line of text.split('\n')) if (line.trim()) tail.push(line);
        tail.splice(0, Math.max(0, tail.length - 20));
      });
      exited = new Promise((resolve) => {
        proc.once('exit', (code) => resolve(code));
        proc.once('error', () => resolve(-1));
      });
      void exited.then((code) => {
        if (!isClosing) {
          endWith({
            ending: 'error',
            error: EgressError.internal(
              `the encoder exited early (code ${code}): ${tail.at(-1) ?? ''}`,
            ),
          });
        }
      });
      if (proc.pid) options.onEncoder?.(proc.pid);
      t0 = performance.now();
      timeline = new PcmTimeline(t0);
      startedAtMs = Date.now();
      options.onActive?.(startedAtMs);
      ticker = setInterval(
        () => {
          tickVideo();
          if (timeline) writeAudio(timeline.fill(performance.now()));
        },
        Math.max(5, Math.floor(500 / fps)),
      );
    };

    const read = <T>(stream: ReadableStream<T>, onValue: (value: T) => void) => {
      const reader = stream.getReader();
      readers.push(reader);
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          onValue(value);
        }
      })().then(sourceClosed, (err: unknown) =>
        endWith({ ending: 'error', error: EgressError.internal('reading a track failed', err) }),
      );
    };
    read(new VideoStream(videoTrack as RemoteTrack), (event) => {
      const frame =
        event.frame.type === VideoBufferType.I420
          ? event.frame
          : event.frame.convert(VideoBufferType.I420);
      if (t0 === undefined) startEncoder(frame.width, frame.height);
      if (frame.width !== width || frame.height !== height) return; // see VideoRecorder
      latest = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
      tickVideo();
    });
    read(
      new AudioStream(audioTrack as RemoteTrack, {
        sampleRate: 48_000,
        numChannels: 2,
        frameSizeMs: 20,
      }),
      (frame) => {
        // Audio before the first video frame has no place on the shared clock.
        if (!timeline) return;
        let data = frame.data;
        if (advanceSamples > 0) {
          // Dropping the first samples moves all later audio earlier by that much.
          const skip = Math.min(advanceSamples, frame.samplesPerChannel);
          advanceSamples -= skip;
          data = data.subarray(skip * frame.channels);
          if (data.length === 0) return;
        }
        writeAudio(timeline.push(performance.now(), data));
      },
    );

    const ending = await ended;
    clearInterval(ticker);
    for (const reader of readers) await reader.cancel().catch(() => undefined);
    if (ending.ending === 'error') return failed(ending.error);
    if (t0 === undefined || !timeline) {
      return aborted();
    }
    tickVideo();
    writeAudio(timeline.fill(performance.now(), true));
    const endedAtMs = Date.now();
    isClosing = true;
    videoIn?.end();
    audioIn?.end();
    const killer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(killer);
    if (code !== 0) {
      return failed(
        EgressError.internal(
          `the encoder did not finish the file (code ${code}): ${tail.at(-1) ?? ''}`,
        ),
      );
    }
    const { size } = await stat(options.localPath);
    return {
      status: 'complete',
      endReason: ending.endReason,
      startedAtMs: startedAtMs ?? endedAtMs,
      endedAtMs,
      durationMs: Math.round((written * 1000) / fps),
      output: { localPath: options.localPath, sizeBytes: size },
    };
  } catch (err) {
    return failed(EgressError.from(err));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    clearInterval(ticker);
    await room.disconnect().catch((err: unknown) => log.debug({ err }, 'room disconnect'));
    room.removeAllListeners();
  }
}

async function waitForTracks(
  room: Room,
  options: RunTrackCompositeEgressOptions,
): Promise<[FoundTrack, FoundTrack] | Ending> {
  const deadline = Date.now() + (options.trackWaitMs ?? 30_000);
  for (;;) {
    const audio = findTrack(room, options.audioTrackId);
    const video = findTrack(room, options.videoTrackId);
    if (audio && video) {
      if (audio.publication.kind !== TrackKind.KIND_AUDIO) {
        return {
          ending: 'error',
          error: EgressError.invalidArgument(`track ${options.audioTrackId} is not an audio track`),
        };
      }
      if (video.publication.kind !== TrackKind.KIND_VIDEO) {
        return {
          ending: 'error',
          error: EgressError.invalidArgument(`track ${options.videoTrackId} is not a video track`),
        };
      }
      return [audio, video];
    }
    if (Date.now() > deadline) {
      const missing = audio ? options.videoTrackId : options.audioTrackId;
      return { ending: 'error', error: EgressError.notFound(`track ${missing} not found`) };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
