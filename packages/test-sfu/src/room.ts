import {
  DisconnectReason,
  type ParticipantInfo,
  ParticipantUpdate,
  Room as RoomInfo,
  SpeakersChanged,
} from '@livekit/protocol';
import { newSid } from './ids.js';
import type { TestSfuLogger } from './logger.js';
import type { ParticipantSession, SessionRoom } from './participant-session.js';
import type { PublishedTrack } from './published-track.js';
import { type SpeakerLevels, speakerChanges } from './speaker-changes.js';

// How often active speakers are recomputed (livekit-server's audio.update_interval is 400 ms).
const SPEAKER_UPDATE_MS = 300;

/** Options for {@link Room}. */
export interface RoomOptions {
  name: string;
  /** Whether joiners get a subscriber offer right away (livekit-server's default). */
  subscriberPrimary: boolean;
  /** Called when the last participant left or the room was closed. */
  onEmpty: (room: Room) => void;
  logger: TestSfuLogger;
}

/**
 * A room: its participants and what each of them may see. Hidden participants (recorders) see
 * everyone and are seen by no one else.
 */
export class Room implements SessionRoom {
  readonly sid = newSid('RM_');
  readonly name: string;
  readonly createdAtMs = Date.now();
  readonly #participants = new Map<string, ParticipantSession>();
  readonly #options: RoomOptions;
  readonly #log: TestSfuLogger;
  #isClosed = false;
  /** Identities set by {@link setActiveSpeakers}; undefined: detect from audio levels. */
  #manualSpeakers: readonly string[] | undefined;
  /** What clients were last told: active speakers by sid. */
  #speakers: SpeakerLevels = new Map();
  readonly #speakerTimer: NodeJS.Timeout;

  constructor(options: RoomOptions) {
    this.name = options.name;
    this.#options = options;
    this.#log = options.logger.child({ roomId: this.sid });
    this.#speakerTimer = setInterval(() => this.#updateSpeakers(), SPEAKER_UPDATE_MS);
    this.#speakerTimer.unref();
  }

  /** Every participant, hidden ones included. */
  get participants(): ParticipantSession[] {
    return [...this.#participants.values()];
  }

  /** The room as clients see it. */
  info(): RoomInfo {
    const visible = this.participants.filter((p) => !p.isHidden);
    const createdAtSec = BigInt(Math.floor(this.createdAtMs / 1000));
    return new RoomInfo({
      sid: this.sid,
      name: this.name,
      emptyTimeout: 300,
      departureTimeout: 20,
      creationTime: createdAtSec,
      creationTimeMs: BigInt(this.createdAtMs),
      numParticipants: visible.length,
      numPublishers: visible.filter((p) => p.tracks.size > 0).length,
      activeRecording: this.participants.some((p) => p.isRecorder),
    });
  }

  /**
   * Adds a participant: replaces one with the same identity (as livekit-server does), sends the
   * JoinResponse, announces the newcomer, offers the subscriber connection and auto-subscribes.
   */
  async join(session: ParticipantSession): Promise<void> {
    for (const existing of this.participants) {
      if (existing.identity === session.identity) {
        await this.remove(existing, DisconnectReason.DUPLICATE_IDENTITY);
      }
    }
    const others = this.participants.filter((p) => !p.isHidden).map((p) => p.info());
    this.#participants.set(session.sid, session);
    this.#log.debug({ participantSid: session.sid }, 'participant joined');
    session.sendJoinResponse(others, this.#options.subscriberPrimary);
    this.broadcastParticipant(session, { exceptSelf: true });
    if (this.#speakers.size > 0) {
      const speakers = speakerChanges(new Map(), this.#speakers);
      session.send({ case: 'speakersChanged', value: new SpeakersChanged({ speakers }) });
    }
    if (this.#options.subscriberPrimary) session.subscriber.negotiate();
    if (session.autoSubscribe) {
      for (const other of this.participants) {
        if (other === session || other.isHidden) continue;
        for (const track of other.tracks.values()) session.subscribe(track);
      }
    }
  }

  /**
   * Removes a participant, tells the others (unless hidden) and ends its session, with a
   * LeaveRequest carrying `reason` when given. Idempotent.
   */
  async remove(session: ParticipantSession, reason?: DisconnectReason): Promise<void> {
    if (this.#participants.get(session.sid) !== session) {
      await session.close(reason);
      return;
    }
    this.#participants.delete(session.sid);
    for (const track of session.tracks.values()) this.#unsubscribeAll(track);
    await session.close(reason);
    this.broadcastParticipant(session, { exceptSelf: true });
    this.#log.debug({ participantSid: session.sid }, 'participant left');
    if (this.#participants.size === 0) this.#close();
  }

  /** Removes everyone with `ROOM_DELETED` and forgets the room. */
  async delete(): Promise<void> {
    const sessions = this.participants;
    this.#participants.clear();
    await Promise.all(sessions.map((s) => s.close(DisconnectReason.ROOM_DELETED)));
    this.#close();
  }

  /** A participant published a track: announce it and auto-subscribe the others. */
  onTrackPublished(publisher: ParticipantSession, track: PublishedTrack): void {
    this.broadcastParticipant(publisher);
    if (publisher.isHidden) return;
    for (const other of this.participants) {
      if (other !== publisher && other.autoSubscribe) other.subscribe(track);
    }
  }

  /** A participant unpublished a track: unsubscribe everyone and announce it. */
  onTrackUnpublished(publisher: ParticipantSession, track: PublishedTrack): void {
    this.#unsubscribeAll(track);
    this.broadcastParticipant(publisher);
  }

  /**
   * Applies a RoomService UpdateParticipant change (see {@link ParticipantSession.update}) and,
   * if anything changed, sends the participant's new info to itself and to everyone who sees it.
   */
  updateParticipant(
    session: ParticipantSession,
    change: Parameters<ParticipantSession['update']>[0],
  ): ParticipantInfo {
    if (session.update(change)) this.broadcastParticipant(session);
    return session.info();
  }

  /**
   * Sets who speaks, loudest first, instead of detecting it from the publishers' audio levels;
   * `undefined` goes back to detection. Clients hear the change at once (`SpeakersChanged`).
   */
  setActiveSpeakers(identities: readonly string[] | undefined): void {
    this.#manualSpeakers = identities;
    this.#updateSpeakers();
  }

  /** A published track `viewer` may subscribe to, by sid. */
  findVisibleTrack(trackSid: string, viewer: ParticipantSession): PublishedTrack | undefined {
    for (const p of this.participants) {
      if (p === viewer || p.isHidden) continue;
      const track = p.tracks.get(trackSid);
      if (track) return track;
    }
    return undefined;
  }

  /**
   * Sends `subject`'s current info to everyone allowed to see it: itself (unless `exceptSelf`)
   * and, unless it is hidden, all the others.
   */
  broadcastParticipant(subject: ParticipantSession, options: { exceptSelf?: boolean } = {}): void {
    const info: ParticipantInfo = subject.info();
    const update = new ParticipantUpdate({ participants: [info] });
    for (const p of this.participants) {
      if (p === subject ? options.exceptSelf : subject.isHidden) continue;
      p.send({ case: 'update', value: update });
    }
  }

  /** The speakers now: the ones set by hand, else those whose unmuted audio is loud enough. */
  #currentSpeakers(): SpeakerLevels {
    const visible = this.participants.filter((p) => !p.isHidden);
    const current = new Map<string, number>();
    if (this.#manualSpeakers) {
      for (const [i, identity] of this.#manualSpeakers.entries()) {
        const found = visible.find((p) => p.identity === identity);
        if (found) current.set(found.sid, Math.max(0.1, 1 - i * 0.1));
      }
      return current;
    }
    const nowMs = Date.now();
    for (const p of visible) {
      for (const track of p.tracks.values()) {
        if (track.kind !== 'audio' || track.info.muted) continue;
        const { isActive, level } = track.audioLevel.measure(nowMs);
        if (isActive && level > (current.get(p.sid) ?? 0)) current.set(p.sid, level);
      }
    }
    return current;
  }

  #updateSpeakers(): void {
    if (this.#isClosed) return;
    const current = this.#currentSpeakers();
    const speakers = speakerChanges(this.#speakers, current);
    this.#speakers = current;
    if (speakers.length === 0) return;
    const message = new SpeakersChanged({ speakers });
    for (const p of this.participants) p.send({ case: 'speakersChanged', value: message });
  }

  #unsubscribeAll(track: PublishedTrack): void {
    for (const p of this.participants) p.subscriber.unsubscribe(track.info.sid);
  }

  #close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearInterval(this.#speakerTimer);
    this.#options.onEmpty(this);
  }
}
