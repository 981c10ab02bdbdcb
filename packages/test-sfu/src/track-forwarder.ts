import type { UpdateTrackSettings } from '@livekit/protocol';
import type {
  RTCPeerConnection,
  RTCRtpTransceiver,
  RtcpSrPacket,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { layerLimit } from './layer-limit.js';
import type { TestSfuLogger } from './logger.js';
import type { PublishedTrack, TrackSink } from './published-track.js';
import {
  pinSenderCodec,
  rebaseSender,
  sendTranslatedSenderReport,
  setSenderMsid,
  suppressSenderReports,
  toForwardablePacket,
} from './werift-workarounds.js';

/** Options for {@link TrackForwarder}. */
export interface TrackForwarderOptions {
  /** The subscriber's connection. */
  pc: RTCPeerConnection;
  track: PublishedTrack;
  logger: TestSfuLogger;
}

// Timestamp step at a layer switch: one frame at 30 fps on the 90 kHz video clock.
const SWITCH_GAP_TICKS = 3000;
// A backup keyframe request once the subscriber has had time to connect.
const FIRST_KEYFRAME_RETRY_MS = 1000;

/**
 * One subscription: a sendonly transceiver on the subscriber's connection that carries one
 * published track, with PLIs going back to the publisher and the publisher's sender reports
 * going forward.
 */
export class TrackForwarder implements TrackSink {
  readonly transceiver: RTCRtpTransceiver;
  readonly track: PublishedTrack;
  readonly #pc: RTCPeerConnection;
  readonly #log: TestSfuLogger;
  readonly #disposers: Array<() => void> = [];
  #sendErrors = 0;
  #maxRank = Number.POSITIVE_INFINITY;

  constructor(options: TrackForwarderOptions) {
    const { pc, track } = options;
    this.#pc = pc;
    this.track = track;
    this.#log = options.logger.child({ trackSid: track.info.sid });
    this.transceiver = pc.addTransceiver(track.kind, { direction: 'sendonly' });
    const sender = this.transceiver.sender;
    setSenderMsid(sender, `${track.publisherSid}|${track.info.sid}`, track.info.sid);
    suppressSenderReports(sender);
    this.#disposers.push(
      track.addSink(this),
      sender.onPictureLossIndication.subscribe(() => track.requestKeyframe()).unSubscribe,
      sender.onReady.subscribe(() => track.requestKeyframe()).unSubscribe,
    );
    const retry = setTimeout(() => track.requestKeyframe(), FIRST_KEYFRAME_RETRY_MS);
    this.#disposers.push(() => clearTimeout(retry));
  }

  /** The best simulcast layer this subscriber asked for; see {@link TrackSink.maxRank}. */
  get maxRank(): number {
    return this.#maxRank;
  }

  /** Applies the subscriber's UpdateTrackSettings (quality or size; `disabled` is ignored). */
  applySettings(settings: UpdateTrackSettings): void {
    this.#maxRank = layerLimit(this.track.info, settings);
    this.#log.debug({ maxRank: this.#maxRank }, 'subscriber layer limit');
  }

  /** Re-pins the sender to the publisher's codec; call after every subscriber answer. */
  pinCodec(): void {
    const { sender, codecs } = this.transceiver;
    if (!pinSenderCodec(sender, codecs, this.track.mimeType)) {
      this.#log.warn({ mimeType: this.track.mimeType }, 'subscriber did not accept the codec');
    }
  }

  writeRtp(rtp: RtpPacket): void {
    // sendRtp rewrites the header before its first await, so packets keep their order.
    this.transceiver.sender.sendRtp(toForwardablePacket(rtp)).catch((err: unknown) => {
      // A packet lost on a closing connection is harmless; log the first few only.
      if (this.#sendErrors++ < 3) this.#log.debug({ err }, 'forwarding a packet failed');
    });
  }

  switchSource(header: RtpHeader): void {
    rebaseSender(this.transceiver.sender, header, SWITCH_GAP_TICKS);
  }

  writeSenderReport(report: RtcpSrPacket): void {
    sendTranslatedSenderReport(this.transceiver.sender, report).catch((err: unknown) => {
      this.#log.debug({ err }, 'sending a sender report failed');
    });
  }

  /** Stops forwarding and removes the track from the subscriber's connection. */
  close(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    if (this.#pc.connectionState === 'closed') return;
    try {
      this.#pc.removeTrack(this.transceiver.sender);
    } catch (err) {
      // The connection is closing under us; nothing is left to remove.
      this.#log.debug({ err }, 'removing a track failed');
    }
  }
}
