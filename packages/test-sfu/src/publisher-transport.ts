import { SessionDescription } from '@livekit/protocol';
import type {
  MediaStreamTrack,
  RTCIceCandidateInit,
  RTCPeerConnection,
  RTCRtpTransceiver,
} from 'werift';
import { CandidateBuffer } from './candidate-buffer.js';
import { waitForIceGathering } from './ice-gathering.js';
import type { TestSfuLogger } from './logger.js';
import { createPeerConnection } from './peer-connection.js';

/** Options for {@link PublisherTransport}. */
export interface PublisherTransportOptions {
  /** See {@link PeerConnectionOptions.iceIp}. */
  iceIp: string | undefined;
  /** Sends the SFU's answer to the client (`SignalResponse.answer`). */
  sendAnswer: (answer: SessionDescription) => void;
  /** werift received a track (or a simulcast layer) on `transceiver`. */
  onTrack: (transceiver: RTCRtpTransceiver, track: MediaStreamTrack) => void;
  logger: TestSfuLogger;
}

/** The publisher connection of one participant: the client offers, the SFU answers. */
export class PublisherTransport {
  readonly #options: PublisherTransportOptions;
  readonly #log: TestSfuLogger;
  readonly #candidates: CandidateBuffer;
  #pc: RTCPeerConnection | undefined;
  #isClosed = false;

  constructor(options: PublisherTransportOptions) {
    this.#options = options;
    this.#log = options.logger.child({ pc: 'publisher' });
    this.#candidates = new CandidateBuffer(this.#log);
  }

  /** The client's latest offer, once one was applied. */
  get remoteSdp(): string | undefined {
    return this.#pc?.remoteDescription?.sdp;
  }

  /**
   * Applies a client offer, then answers it (echoing its id: livekit-client ignores answers to
   * older offers). `beforeAnswer` runs between the two, when the offer's tracks are known.
   */
  async handleOffer(offer: SessionDescription, beforeAnswer: () => void): Promise<void> {
    if (this.#isClosed) return;
    const pc = this.#ensurePc();
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await this.#candidates.flush(pc);
    beforeAnswer();
    await pc.setLocalDescription(await pc.createAnswer());
    await waitForIceGathering(pc);
    const sdp = pc.localDescription?.sdp;
    if (this.#isClosed || !sdp) return;
    this.#options.sendAnswer(new SessionDescription({ type: 'answer', sdp, id: offer.id }));
  }

  /** Adds a client candidate for the publisher connection (held until it can be used). */
  async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    await this.#candidates.add(this.#pc, candidate);
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    await this.#pc?.close();
  }

  #ensurePc(): RTCPeerConnection {
    if (this.#pc) return this.#pc;
    const pc = createPeerConnection({ iceIp: this.#options.iceIp });
    pc.onTransceiverAdded.subscribe((transceiver) => {
      transceiver.onTrack.subscribe((track) => this.#options.onTrack(transceiver, track));
    });
    pc.connectionStateChange.subscribe((state) => {
      this.#log.debug({ state }, 'publisher connection state');
    });
    this.#pc = pc;
    return pc;
  }
}
