import {
  type AddTrackRequest,
  ClientConfiguration,
  type DisconnectReason,
  JoinResponse,
  LeaveRequest,
  LeaveRequest_Action,
  type MuteTrackRequest,
  ParticipantInfo,
  ParticipantInfo_Kind,
  ParticipantInfo_State,
  ParticipantPermission,
  Pong,
  type Room as RoomInfo,
  ServerInfo,
  ServerInfo_Edition,
  SignalRequest,
  SignalResponse,
  SignalTarget,
  TrackInfo,
  TrackPublishedResponse,
  type UpdateSubscription,
} from '@livekit/protocol';
import type { ClaimGrants } from 'livekit-server-sdk';
import type { MediaStreamTrack, RTCRtpTransceiver } from 'werift';
import { WebSocket } from 'ws';
import { parseCandidateInit } from './candidate-buffer.js';
import { newSid } from './ids.js';
import type { TestSfuLogger } from './logger.js';
import { PublishedTrack } from './published-track.js';
import { PublisherTransport } from './publisher-transport.js';
import { findMediaSection, isSendingSection, msidTrackId } from './sdp.js';
import { SerialQueue } from './serial-queue.js';
import { SubscriberTransport } from './subscriber-transport.js';

/** The server version the SFU reports; livekit-client refuses a server without one. */
export const SERVER_VERSION = '1.9.0';
// rtc-node panics on a zero ping interval (test-sfu.md §2.4).
const PING_INTERVAL_SEC = 5;
const PING_TIMEOUT_SEC = 15;

const KIND_BY_CLAIM: Record<string, ParticipantInfo_Kind> = {
  standard: ParticipantInfo_Kind.STANDARD,
  ingress: ParticipantInfo_Kind.INGRESS,
  egress: ParticipantInfo_Kind.EGRESS,
  sip: ParticipantInfo_Kind.SIP,
  agent: ParticipantInfo_Kind.AGENT,
};

/**
 * The parts of a room a session calls back into (`Room` implements it); its own
 * interface so that the session does not import the room that holds it.
 */
export interface SessionRoom {
  info(): RoomInfo;
  remove(session: ParticipantSession, reason?: DisconnectReason): Promise<void>;
  onTrackPublished(publisher: ParticipantSession, track: PublishedTrack): void;
  onTrackUnpublished(publisher: ParticipantSession, track: PublishedTrack): void;
  broadcastParticipant(subject: ParticipantSession, options?: { exceptSelf?: boolean }): void;
  findVisibleTrack(trackSid: string, viewer: ParticipantSession): PublishedTrack | undefined;
}

/** Options for {@link ParticipantSession}. */
export interface ParticipantSessionOptions {
  room: SessionRoom;
  socket: WebSocket;
  /** The verified access token's grants. */
  grants: ClaimGrants & { sub: string };
  /** From the `auto_subscribe` query parameter. */
  autoSubscribe: boolean;
  iceIp: string | undefined;
  logger: TestSfuLogger;
}

/**
 * One participant's signalling session: its WebSocket, its publisher and subscriber
 * connections and its published tracks. Signal messages are handled strictly in order.
 */
export class ParticipantSession {
  readonly sid = newSid('PA_');
  readonly identity: string;
  #name: string;
  #metadata: string;
  #attributes: Record<string, string>;
  readonly kind: ParticipantInfo_Kind;
  /** Hidden participants (egress recorders) are kept out of everyone else's view. */
  readonly isHidden: boolean;
  readonly isRecorder: boolean;
  readonly canPublish: boolean;
  readonly canSubscribe: boolean;
  readonly canPublishData: boolean;
  readonly autoSubscribe: boolean;
  readonly joinedAtMs = Date.now();
  /** Published tracks by track sid. */
  readonly tracks = new Map<string, PublishedTrack>();
  readonly subscriber: SubscriberTransport;
  readonly #room: SessionRoom;
  readonly #socket: WebSocket;
  readonly #log: TestSfuLogger;
  readonly #publisher: PublisherTransport;
  readonly #queue: SerialQueue;
  /** Announced (AddTrack) tracks without media yet, by client id. */
  readonly #pendingByCid = new Map<string, PublishedTrack>();
  #state = ParticipantInfo_State.JOINED;
  #version = 1;
  #isClosed = false;

  constructor(options: ParticipantSessionOptions) {
    const { grants } = options;
    const video = grants.video ?? {};
    this.identity = grants.sub;
    this.#name = grants.name ?? '';
    this.#metadata = grants.metadata ?? '';
    this.#attributes = { ...grants.attributes };
    this.kind = KIND_BY_CLAIM[grants.kind ?? 'standard'] ?? ParticipantInfo_Kind.STANDARD;
    this.isHidden = video.hidden === true;
    this.isRecorder = video.recorder === true;
    // livekit-server treats an absent canPublish/canSubscribe/canPublishData as allowed.
    this.canPublish = video.canPublish !== false;
    this.canSubscribe = video.canSubscribe !== false;
    this.canPublishData = video.canPublishData !== false;
    this.autoSubscribe = options.autoSubscribe;
    this.#room = options.room;
    this.#socket = options.socket;
    this.#log = options.logger.child({ participantSid: this.sid });
    this.#queue = new SerialQueue((err) => this.#log.error({ err }, 'signal handling failed'));
    this.#publisher = new PublisherTransport({
      iceIp: options.iceIp,
      sendAnswer: (answer) => this.send({ case: 'answer', value: answer }),
      onTrack: (transceiver, track) => this.#onPublishedMedia(transceiver, track),
      logger: this.#log,
    });
    this.subscriber = new SubscriberTransport({
      iceIp: options.iceIp,
      sendOffer: (offer) => this.send({ case: 'offer', value: offer }),
      logger: this.#log,
    });
  }

  get name(): string {
    return this.#name;
  }

  get metadata(): string {
    return this.#metadata;
  }

  get attributes(): Readonly<Record<string, string>> {
    return this.#attributes;
  }

  /**
   * Changes what others see of this participant, as livekit-server's UpdateParticipant does: an
   * empty name or metadata leaves it as it is, attributes merge and an empty value deletes one.
   * Returns whether anything changed (then the next info() has a higher version).
   */
  update(change: {
    name?: string;
    metadata?: string;
    attributes?: Record<string, string>;
  }): boolean {
    let isChanged = false;
    if (change.name && change.name !== this.#name) {
      this.#name = change.name;
      isChanged = true;
    }
    if (change.metadata && change.metadata !== this.#metadata) {
      this.#metadata = change.metadata;
      isChanged = true;
    }
    for (const [key, value] of Object.entries(change.attributes ?? {})) {
      if ((this.#attributes[key] ?? '') === value) continue;
      if (value) this.#attributes[key] = value;
      else delete this.#attributes[key];
      isChanged = true;
    }
    if (isChanged) this.touch();
    return isChanged;
  }

  /** Whether the session ended (left, removed, or its socket closed). */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Starts reading signal messages from the socket. */
  listen(onSocketClosed: () => void): void {
    this.#socket.on('message', (data, isBinary) => {
      const request = decodeSignalRequest(data, isBinary);
      if (!request) {
        this.#log.warn({}, 'undecodable signal message');
        return;
      }
      void this.#queue.push(() => this.#handle(request));
    });
    this.#socket.on('close', onSocketClosed);
  }

  /** The participant as others see it (and as it sees itself). */
  info(): ParticipantInfo {
    const tracks = [...this.tracks.values()].map((t) => t.info);
    return new ParticipantInfo({
      sid: this.sid,
      identity: this.identity,
      name: this.#name,
      metadata: this.#metadata,
      attributes: { ...this.#attributes },
      state: this.#state,
      tracks,
      joinedAt: BigInt(Math.floor(this.joinedAtMs / 1000)),
      joinedAtMs: BigInt(this.joinedAtMs),
      version: this.#version,
      isPublisher: tracks.length > 0,
      kind: this.kind,
      permission: new ParticipantPermission({
        canPublish: this.canPublish,
        canSubscribe: this.canSubscribe,
        canPublishData: this.canPublishData,
        hidden: this.isHidden,
        recorder: this.isRecorder,
      }),
    });
  }

  /** Sends the JoinResponse: it must be the first message on the socket. */
  sendJoinResponse(others: ParticipantInfo[], subscriberPrimary: boolean): void {
    this.send({
      case: 'join',
      value: new JoinResponse({
        room: this.#room.info(),
        participant: this.info(),
        otherParticipants: others,
        serverVersion: SERVER_VERSION,
        serverInfo: new ServerInfo({
          edition: ServerInfo_Edition.Standard,
          version: SERVER_VERSION,
          protocol: 16,
          nodeId: 'ND_test_sfu',
        }),
        iceServers: [],
        subscriberPrimary,
        pingInterval: PING_INTERVAL_SEC,
        pingTimeout: PING_TIMEOUT_SEC,
        clientConfiguration: new ClientConfiguration({}),
      }),
    });
  }

  /** Sends one signal message, if the socket is still open. */
  send(message: SignalResponse['message']): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    this.#socket.send(new SignalResponse({ message }).toBinary());
  }

  /** Subscribes this participant to `track` (a no-op without the permission). */
  subscribe(track: PublishedTrack): void {
    if (this.#isClosed || !this.canSubscribe) return;
    this.subscriber.subscribe(track);
  }

  /** Marks a change others must see: the next info() has a higher version. */
  touch(): void {
    this.#version += 1;
  }

  /**
   * Ends the session: sends a LeaveRequest with `reason` (when given), closes the socket and both
   * connections, and stops forwarding its tracks. Idempotent.
   */
  async close(reason?: DisconnectReason): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#state = ParticipantInfo_State.DISCONNECTED;
    this.touch();
    if (reason !== undefined) {
      this.send({
        case: 'leave',
        value: new LeaveRequest({
          canReconnect: false,
          reason,
          action: LeaveRequest_Action.DISCONNECT,
        }),
      });
    }
    this.#socket.close(1000);
    for (const track of this.tracks.values()) track.close();
    await Promise.all([this.#publisher.close(), this.subscriber.close()]);
  }

  async #handle(request: SignalRequest): Promise<void> {
    if (this.#isClosed) return;
    const message = request.message;
    switch (message.case) {
      case 'offer':
        await this.#publisher.handleOffer(message.value, () => this.#detectUnpublished());
        break;
      case 'answer':
        await this.subscriber.handleAnswer(message.value);
        break;
      case 'trickle': {
        const candidate = parseCandidateInit(message.value.candidateInit);
        if (!candidate) break;
        if (message.value.target === SignalTarget.SUBSCRIBER) {
          await this.subscriber.addCandidate(candidate);
        } else {
          await this.#publisher.addCandidate(candidate);
        }
        break;
      }
      case 'addTrack':
        this.#announceTrack(message.value);
        break;
      case 'mute':
        this.#mute(message.value);
        break;
      case 'subscription':
        this.#updateSubscription(message.value);
        break;
      case 'trackSetting':
        this.subscriber.applyTrackSettings(message.value);
        break;
      case 'leave':
        await this.#room.remove(this);
        break;
      case 'pingReq':
        this.send({
          case: 'pongResp',
          value: new Pong({
            lastPingTimestamp: message.value.timestamp,
            timestamp: BigInt(Date.now()),
          }),
        });
        break;
      case 'ping':
        this.send({ case: 'pong', value: BigInt(Date.now()) });
        break;
      default:
        this.#log.debug({ case: message.case }, 'signal message ignored');
    }
  }

  #announceTrack(request: AddTrackRequest): void {
    if (!this.canPublish || this.isHidden) {
      this.#log.warn({}, 'track announced without permission to publish');
      return;
    }
    const info = new TrackInfo({
      sid: newSid('TR_'),
      type: request.type,
      name: request.name,
      muted: request.muted,
      width: request.width,
      height: request.height,
      simulcast: request.layers.length > 1,
      source: request.source,
      layers: request.layers,
      disableDtx: request.disableDtx,
      disableRed: request.disableRed,
      stereo: request.stereo,
      stream: request.stream,
      encryption: request.encryption,
      audioFeatures: request.audioFeatures,
    });
    const track = new PublishedTrack({
      info,
      cid: request.cid,
      publisherSid: this.sid,
      logger: this.#log,
    });
    this.#pendingByCid.set(request.cid, track);
    this.send({
      case: 'trackPublished',
      value: new TrackPublishedResponse({ cid: request.cid, track: info }),
    });
  }

  #onPublishedMedia(transceiver: RTCRtpTransceiver, track: MediaStreamTrack): void {
    if (this.#isClosed) return;
    const mid = transceiver.mid ?? '';
    const published = [...this.tracks.values()].find((t) => t.info.mid === mid);
    if (published) {
      // Another simulcast layer of a track already published.
      published.addLayer(transceiver.receiver, track, mid);
      return;
    }
    const section = findMediaSection(this.#publisher.remoteSdp ?? '', mid);
    const cid = section ? msidTrackId(section) : undefined;
    const pending =
      (cid ? this.#pendingByCid.get(cid) : undefined) ??
      [...this.#pendingByCid.values()].find((t) => t.kind === track.kind);
    if (!pending) {
      this.#log.warn({ mid, kind: track.kind }, 'media for a track that was never announced');
      return;
    }
    this.#pendingByCid.delete(pending.cid);
    pending.addLayer(transceiver.receiver, track, mid);
    this.tracks.set(pending.info.sid, pending);
    this.touch();
    this.#log.debug({ trackSid: pending.info.sid, mid }, 'track published');
    this.#room.onTrackPublished(this, pending);
  }

  /** Clients unpublish by renegotiating: the track's m-line no longer sends. */
  #detectUnpublished(): void {
    const sdp = this.#publisher.remoteSdp ?? '';
    for (const track of [...this.tracks.values()]) {
      const section = findMediaSection(sdp, track.info.mid);
      if (section && isSendingSection(section)) continue;
      this.tracks.delete(track.info.sid);
      track.close();
      this.touch();
      this.#log.debug({ trackSid: track.info.sid }, 'track unpublished');
      this.#room.onTrackUnpublished(this, track);
    }
  }

  #mute(request: MuteTrackRequest): void {
    const track = this.tracks.get(request.sid);
    if (!track || track.info.muted === request.muted) return;
    track.info.muted = request.muted;
    this.touch();
    this.#room.broadcastParticipant(this);
  }

  #updateSubscription(request: UpdateSubscription): void {
    const sids = [...request.trackSids, ...request.participantTracks.flatMap((p) => p.trackSids)];
    for (const trackSid of sids) {
      if (request.subscribe) {
        const track = this.#room.findVisibleTrack(trackSid, this);
        if (track) this.subscribe(track);
      } else {
        this.subscriber.unsubscribe(trackSid);
      }
    }
  }
}

function decodeSignalRequest(data: unknown, isBinary: boolean): SignalRequest | undefined {
  try {
    if (isBinary) {
      const bytes = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data as Buffer[])
          : Buffer.from(data as ArrayBuffer);
      return SignalRequest.fromBinary(new Uint8Array(bytes));
    }
    return SignalRequest.fromJsonString(String(data), { ignoreUnknownFields: true });
  } catch {
    return undefined;
  }
}
