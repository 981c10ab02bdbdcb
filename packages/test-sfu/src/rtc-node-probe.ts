import {
  AudioStream,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  Room,
  RoomEvent,
  TrackKind,
  VideoStream,
} from '@livekit/rtc-node';
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';

/** Options for {@link createTestToken}. */
export interface TestTokenOptions {
  apiKey: string;
  apiSecret: string;
  room: string;
  identity: string;
  /** Grants on top of roomJoin, canPublish and canSubscribe for `room`. */
  grants?: VideoGrant;
  /** Participant kind claim, e.g. 'egress'. */
  kind?: string;
  /** Token lifetime, as AccessToken takes it (`'10m'`, seconds). */
  ttl?: string | number;
}

/** A join token for tests, signed like livekit-server-sdk's. */
export async function createTestToken(options: TestTokenOptions): Promise<string> {
  const token = new AccessToken(options.apiKey, options.apiSecret, {
    identity: options.identity,
    name: options.identity,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
  });
  token.addGrant({
    room: options.room,
    roomJoin: true,
    canPublish: true,
    canSubscribe: true,
    ...options.grants,
  });
  if (options.kind) token.kind = options.kind;
  return token.toJwt();
}

/** A subscribed remote track with its publication and publisher. */
export interface SubscribedTrack {
  track: RemoteTrack;
  publication: RemoteTrackPublication;
  participant: RemoteParticipant;
}

/**
 * An rtc-node participant that records room events as readable strings
 * (`TrackSubscribed <identity> audio`, `ParticipantMetadataChanged <identity> <metadata>`,
 * `ActiveSpeakersChanged <identity>,<identity>`) and can wait for them.
 */
export class RtcNodeProbe {
  readonly room = new Room();
  /** Events in order: `<Event> <identity> [audio|video] [detail]`. */
  readonly events: string[] = [];
  readonly #subscribed: SubscribedTrack[] = [];
  readonly #waiters = new Set<() => void>();

  constructor() {
    const kindOf = (p: RemoteTrackPublication) =>
      p.kind === TrackKind.KIND_AUDIO ? 'audio' : 'video';
    const room = this.room;
    room.on(RoomEvent.ParticipantConnected, (p) =>
      this.#record(`ParticipantConnected ${p.identity}`),
    );
    room.on(RoomEvent.ParticipantDisconnected, (p) =>
      this.#record(`ParticipantDisconnected ${p.identity}`),
    );
    room.on(RoomEvent.TrackPublished, (pub, p) =>
      this.#record(`TrackPublished ${p.identity} ${kindOf(pub)}`),
    );
    room.on(RoomEvent.TrackUnpublished, (pub, p) =>
      this.#record(`TrackUnpublished ${p.identity} ${kindOf(pub)}`),
    );
    room.on(RoomEvent.TrackSubscribed, (track, pub, p) => {
      this.#subscribed.push({ track, publication: pub, participant: p });
      this.#record(`TrackSubscribed ${p.identity} ${kindOf(pub)} ${pub.mimeType ?? ''}`.trim());
    });
    room.on(RoomEvent.TrackUnsubscribed, (_track, pub, p) =>
      this.#record(`TrackUnsubscribed ${p.identity} ${kindOf(pub)}`),
    );
    room.on(RoomEvent.TrackMuted, (pub, p) =>
      this.#record(`TrackMuted ${p.identity} ${kindOf(pub as RemoteTrackPublication)}`),
    );
    room.on(RoomEvent.TrackUnmuted, (pub, p) =>
      this.#record(`TrackUnmuted ${p.identity} ${kindOf(pub as RemoteTrackPublication)}`),
    );
    room.on(RoomEvent.ParticipantMetadataChanged, (_old, p) =>
      this.#record(`ParticipantMetadataChanged ${p.identity} ${p.metadata ?? ''}`),
    );
    room.on(RoomEvent.ParticipantNameChanged, (name, p) =>
      this.#record(`ParticipantNameChanged ${p.identity} ${name}`),
    );
    room.on(RoomEvent.ParticipantAttributesChanged, (changed, p) =>
      this.#record(`ParticipantAttributesChanged ${p.identity} ${JSON.stringify(changed)}`),
    );
    room.on(RoomEvent.ActiveSpeakersChanged, (speakers) =>
      this.#record(`ActiveSpeakersChanged ${speakers.map((p) => p.identity).join(',')}`.trim()),
    );
    room.on(RoomEvent.Disconnected, (reason) => this.#record(`Disconnected ${reason}`));
  }

  /** Joins; with `autoSubscribe` false, call {@link subscribeAll} or setSubscribed. */
  async connect(url: string, token: string, autoSubscribe = true): Promise<void> {
    await this.room.connect(url, token, { autoSubscribe, dynacast: false });
  }

  /** Resolves with the first event matching `pattern`, or rejects after `timeoutMs`. */
  async waitForEvent(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return this.#waitFor(() => this.events.find((e) => pattern.test(e)), timeoutMs, `${pattern}`);
  }

  /** Resolves with the first subscribed track of `kind` from `identity`. */
  async waitForTrack(
    identity: string,
    kind: 'audio' | 'video',
    timeoutMs = 15_000,
  ): Promise<SubscribedTrack> {
    const want = kind === 'audio' ? TrackKind.KIND_AUDIO : TrackKind.KIND_VIDEO;
    return this.#waitFor(
      () =>
        this.#subscribed.find((s) => s.participant.identity === identity && s.track.kind === want),
      timeoutMs,
      `${kind} track of ${identity}`,
    );
  }

  async disconnect(): Promise<void> {
    await this.room.disconnect();
  }

  #record(event: string): void {
    this.events.push(event);
    for (const wake of this.#waiters) wake();
  }

  async #waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const found = find();
    if (found !== undefined) return found;
    return new Promise<T>((resolve, reject) => {
      const wake = () => {
        const value = find();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`timed out waiting for ${what}; events: ${this.events.join(', ')}`));
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }
}

/** What {@link measureAudio} heard. */
export interface AudioMeasurement {
  frames: number;
  sampleRate: number;
  /**
   * The median over frames of each frame's mean absolute sample value: a 440 Hz tone of peak A
   * gives about 2A/π, silence 0. The median ignores the few silent or concealed frames a
   * stream starts with.
   */
  meanAbs: number;
}

/** Reads `frames` 10 ms frames of a subscribed audio track (mono, 48 kHz). */
export async function measureAudio(
  track: RemoteTrack,
  frames: number,
  timeoutMs = 15_000,
): Promise<AudioMeasurement> {
  const stream = new AudioStream(track, { sampleRate: 48000, numChannels: 1 });
  const levels: number[] = [];
  const reader = stream.getReader();
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (levels.length < frames) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      let sum = 0;
      for (const s of value.data) sum += Math.abs(s);
      levels.push(value.data.length ? sum / value.data.length : 0);
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel();
  }
  const sorted = [...levels].sort((a, b) => a - b);
  const meanAbs = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return { frames: levels.length, sampleRate: 48000, meanAbs };
}

/** What {@link measureVideo} saw. */
export interface VideoMeasurement {
  frames: number;
  width: number;
  height: number;
}

/** Decodes up to `frames` frames of a subscribed video track. */
export async function measureVideo(
  track: RemoteTrack,
  frames: number,
  timeoutMs = 15_000,
): Promise<VideoMeasurement> {
  const reader = new VideoStream(track).getReader();
  const result: VideoMeasurement = { frames: 0, width: 0, height: 0 };
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (result.frames < frames) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      result.frames += 1;
      result.width = value.frame.width;
      result.height = value.frame.height;
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel();
  }
  return result;
}
