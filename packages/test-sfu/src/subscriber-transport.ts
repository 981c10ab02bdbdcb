import { SessionDescription, type UpdateTrackSettings } from '@livekit/protocol';
import type { RTCIceCandidateInit, RTCPeerConnection } from 'werift';
import { CandidateBuffer } from './candidate-buffer.js';
import { waitForIceGathering } from './ice-gathering.js';
import type { TestSfuLogger } from './logger.js';
import { createPeerConnection } from './peer-connection.js';
import type { PublishedTrack } from './published-track.js';
import { TrackForwarder } from './track-forwarder.js';

/** Options for {@link SubscriberTransport}. */
export interface SubscriberTransportOptions {
  /** See {@link PeerConnectionOptions.iceIp}. */
  iceIp: string | undefined;
  /** Sends a server offer to the client (`SignalResponse.offer`). */
  sendOffer: (offer: SessionDescription) => void;
  logger: TestSfuLogger;
}

/**
 * The subscriber connection of one participant: the SFU offers, the client answers. Offers are
 * serialized: while one is outstanding, further changes wait for its answer and go in one offer.
 */
export class SubscriberTransport {
  readonly #options: SubscriberTransportOptions;
  readonly #log: TestSfuLogger;
  readonly #candidates: CandidateBuffer;
  readonly #forwarders = new Map<string, TrackForwarder>();
  #pc: RTCPeerConnection | undefined;
  #isOfferOutstanding = false;
  #needsOffer = false;
  #offerId = 0;
  #isClosed = false;

  constructor(options: SubscriberTransportOptions) {
    this.#options = options;
    this.#log = options.logger.child({ pc: 'subscriber' });
    this.#candidates = new CandidateBuffer(this.#log);
  }

  /** The sids of the tracks this participant is subscribed to. */
  get trackSids(): string[] {
    return [...this.#forwarders.keys()];
  }

  /** Whether the participant is subscribed to `trackSid`. */
  isSubscribed(trackSid: string): boolean {
    return this.#forwarders.has(trackSid);
  }

  /** Starts forwarding `track` and renegotiates; false if already subscribed. */
  subscribe(track: PublishedTrack): boolean {
    if (this.#isClosed || this.#forwarders.has(track.info.sid)) return false;
    const forwarder = new TrackForwarder({ pc: this.#ensurePc(), track, logger: this.#log });
    this.#forwarders.set(track.info.sid, forwarder);
    this.negotiate();
    return true;
  }

  /** Stops forwarding the track and renegotiates; false if not subscribed. */
  unsubscribe(trackSid: string): boolean {
    const forwarder = this.#forwarders.get(trackSid);
    if (!forwarder) return false;
    this.#forwarders.delete(trackSid);
    forwarder.close();
    this.negotiate();
    return true;
  }

  /** Applies UpdateTrackSettings to the subscribed tracks it names. */
  applyTrackSettings(settings: UpdateTrackSettings): void {
    for (const sid of settings.trackSids) this.#forwarders.get(sid)?.applySettings(settings);
  }

  /** Sends a new offer now, or after the outstanding one is answered. */
  negotiate(): void {
    if (this.#isClosed) return;
    if (this.#isOfferOutstanding) {
      this.#needsOffer = true;
      return;
    }
    this.#isOfferOutstanding = true;
    this.#needsOffer = false;
    this.#sendOffer().catch((err: unknown) => {
      this.#isOfferOutstanding = false;
      this.#log.error({ err }, 'creating a subscriber offer failed');
    });
  }

  /** Applies the client's answer to the outstanding offer. */
  async handleAnswer(answer: SessionDescription): Promise<void> {
    const pc = this.#pc;
    if (!pc || !this.#isOfferOutstanding) {
      this.#log.warn({}, 'subscriber answer without an outstanding offer');
      return;
    }
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await this.#candidates.flush(pc);
    for (const forwarder of this.#forwarders.values()) forwarder.pinCodec();
    this.#isOfferOutstanding = false;
    if (this.#needsOffer) this.negotiate();
  }

  /** Adds a client candidate for the subscriber connection (held until it can be used). */
  async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await this.#candidates.add(this.#pc, candidate);
  }

  /** Stops every forwarder and closes the connection. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const forwarder of this.#forwarders.values()) forwarder.close();
    this.#forwarders.clear();
    await this.#pc?.close();
  }

  #ensurePc(): RTCPeerConnection {
    if (this.#pc) return this.#pc;
    const pc = createPeerConnection({ iceIp: this.#options.iceIp });
    // livekit-server opens these on the subscriber connection for server-to-client data.
    pc.createDataChannel('_reliable', { ordered: true });
    pc.createDataChannel('_lossy', { ordered: false, maxRetransmits: 0 });
    pc.connectionStateChange.subscribe((state) => {
      this.#log.debug({ state }, 'subscriber connection state');
    });
    this.#pc = pc;
    return pc;
  }

  async #sendOffer(): Promise<void> {
    const pc = this.#ensurePc();
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIceGathering(pc);
    const sdp = pc.localDescription?.sdp;
    if (this.#isClosed || !sdp) return;
    this.#offerId += 1;
    this.#options.sendOffer(new SessionDescription({ type: 'offer', sdp, id: this.#offerId }));
  }
}
