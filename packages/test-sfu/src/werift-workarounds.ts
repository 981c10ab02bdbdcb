import {
  Connection,
  type RTCRtpCodecParameters,
  RTCRtpReceiver,
  type RTCRtpSender,
  RtcpSenderInfo,
  RtcpSrPacket,
  type RtpHeader,
  type RtpPacket,
  SDPManager,
  TransceiverManager,
  uint16Add,
  uint32Add,
} from 'werift';
import { type RtcpTransport, TransportFeedbackSender } from './transport-feedback.js';

// Every werift behaviour the SFU works around lives here, because each one touches werift
// internals that an upgrade may change. werift is pinned to 0.24.4; werift-workarounds.test.ts
// checks that each bug is still there and that each fix still works, so an upgrade fails loudly
// there instead of as a silent media failure somewhere else. Background: test-sfu.md §3.2.

/** The werift version these workarounds were written and tested against. */
export const WERIFT_VERSION = '0.24.4';

interface MediaDescriptionView {
  direction?: string;
  port: number;
}

interface TransceiverView {
  usedForSender: boolean;
}

interface TransceiverManagerView {
  transceivers: TransceiverView[];
}

interface AddTransceiverOptions {
  direction?: string;
}

interface ConnectionView {
  stunServer?: unknown;
  options: { stunServer?: unknown };
}

interface SenderInternals {
  rtcpRunning: boolean;
  packetCount: number;
  octetCount: number;
  timestampOffset: number;
  sequenceNumber?: number;
  dtlsTransport?: {
    state: string;
    sendRtcp(packets: RtcpSrPacket[]): Promise<unknown>;
  };
}

interface ReceiverInternals {
  twccEnabled: boolean;
  receiverTWCC?: unknown;
  dtlsTransport: RtcpTransport;
  rtcpSsrc: number;
}

type Method = (this: unknown, ...args: never[]) => unknown;

let isApplied = false;

/**
 * Patches werift's prototypes (once per process; later calls do nothing):
 * 1. an answered `inactive` m-line keeps port 9 instead of 0, so a BUNDLE tag that libwebrtc
 *    pre-created as recvonly is not rejected (otherwise `wait_pc_connection timed out`);
 * 2. a transceiver created for a new remote m-line never takes over an inactive one's slot and
 *    mid (otherwise `Transceiver with mid=N not found` on renegotiation);
 * 3. ICE gathering never falls back to `stun.l.google.com` when no STUN server is configured:
 *    nothing may leave the test network namespace;
 * 4. transport-wide congestion feedback comes from {@link TransportFeedbackSender}: werift's own
 *    sends a reference time truncated to 64 ms with deltas from the untruncated one (every
 *    feedback moves all arrivals by up to 64 ms), floors every delta (the error adds up), counts
 *    lost packets as received, and declares an RTCP length that cuts off unaligned deltas. A
 *    libwebrtc sender reads that as congestion and sends a fraction of the captured resolution.
 *
 * @throws Error when werift no longer has a method this patches (an unsupported upgrade)
 */
export function applyWeriftWorkarounds(): void {
  if (isApplied) return;
  const sdpManager = requireMethod(SDPManager.prototype, 'addTransportDescription');
  const transceiverManager = requireMethod(TransceiverManager.prototype, 'addTransceiver');
  const connection = requireMethod(Connection.prototype, 'gatherCandidates');
  const receiver = requireMethod(RTCRtpReceiver.prototype, 'setupTWCC');

  const addTransportDescription = sdpManager.original;
  sdpManager.replace(function (this: unknown, ...args: unknown[]) {
    const result = addTransportDescription.apply(this, args as never[]);
    const media = args[0] as MediaDescriptionView;
    if (media.direction === 'inactive' && media.port === 0) media.port = 9;
    return result;
  });

  const addTransceiver = transceiverManager.original;
  transceiverManager.replace(function (this: unknown, ...args: unknown[]) {
    const options = (args[2] ?? {}) as AddTransceiverOptions;
    // Only the remote-offer path adds recvonly transceivers (the SFU adds sendonly ones), and
    // there the remote m-line brings its own mid: never reuse an inactive slot for it.
    if (options.direction !== 'recvonly') return addTransceiver.apply(this, args as never[]);
    const transceivers = (this as TransceiverManagerView).transceivers;
    const saved = transceivers.map((t) => t.usedForSender);
    for (const t of transceivers) t.usedForSender = true;
    try {
      return addTransceiver.apply(this, args as never[]);
    } finally {
      saved.forEach((value, i) => {
        const t = transceivers[i];
        if (t) t.usedForSender = value;
      });
    }
  });

  const gatherCandidates = connection.original;
  connection.replace(function (this: unknown, ...args: unknown[]) {
    const view = this as ConnectionView;
    if (view.options.stunServer === undefined) view.stunServer = undefined;
    return gatherCandidates.apply(this, args as never[]);
  });

  receiver.replace(function (this: unknown, ...args: unknown[]) {
    const view = this as ReceiverInternals;
    if (!view.twccEnabled || view.receiverTWCC) return;
    view.receiverTWCC = new TransportFeedbackSender(
      view.dtlsTransport,
      view.rtcpSsrc,
      args[0] as number,
    );
  });

  isApplied = true;
}

/**
 * A copy of a publisher's packet that a subscriber's sender can send. werift's `sendRtp` keeps
 * the packet's header extensions, whose ids were negotiated on the publisher's connection, and
 * lets them overwrite its own mid/TWCC extensions, so libwebrtc demuxes by the wrong MID and
 * plays silence. Without them werift adds the subscriber connection's own.
 */
export function toForwardablePacket(rtp: RtpPacket): RtpPacket {
  const copy = rtp.clone();
  copy.header.extensions = [];
  copy.header.extension = false;
  return copy;
}

/**
 * Makes `sender` stamp the payload type of the negotiated codec with `mimeType`. werift stamps the
 * first negotiated codec on every packet (VP8 before H264), so call this after every subscriber
 * answer. Returns false when the subscriber did not accept that codec.
 */
export function pinSenderCodec(
  sender: RTCRtpSender,
  negotiated: readonly RTCRtpCodecParameters[],
  mimeType: string,
): boolean {
  const codec = negotiated.find((c) => c.mimeType.toLowerCase() === mimeType.toLowerCase());
  if (!codec) return false;
  sender.codec = codec;
  return true;
}

/**
 * Stops werift's own sender reports for a forwarding sender. werift maps RTP time to the wall
 * clock at the moment it forwards a packet, so audio and video get different encoder and pacing
 * delays baked in and drift apart; the SFU sends translated publisher reports instead
 * ({@link sendTranslatedSenderReport}). Call it before the first `sendRtp`.
 */
export function suppressSenderReports(sender: RTCRtpSender): void {
  // runRtcp() returns at once while rtcpRunning is set; stop() clears it.
  (sender as unknown as SenderInternals).rtcpRunning = true;
}

/**
 * Sends `sender`'s receiver a sender report carrying the publisher's NTP↔RTP mapping from
 * `source`, shifted by the RTP timestamp offset werift applied to the forwarded stream (layer
 * switches rebase timestamps), with this sender's own SSRC and counters. All tracks of one
 * publisher share its NTP clock, so the subscriber can line audio up with video.
 */
export async function sendTranslatedSenderReport(
  sender: RTCRtpSender,
  source: RtcpSrPacket,
): Promise<void> {
  const internals = sender as unknown as SenderInternals;
  const transport = internals.dtlsTransport;
  // Nothing forwarded yet: the receiver does not know this SSRC, and the offset is not set.
  if (transport?.state !== 'connected' || internals.sequenceNumber === undefined) {
    return;
  }
  const report = new RtcpSrPacket({
    ssrc: sender.ssrc,
    senderInfo: new RtcpSenderInfo({
      ntpTimestamp: source.senderInfo.ntpTimestamp,
      rtpTimestamp: uint32Add(source.senderInfo.rtpTimestamp, internals.timestampOffset),
      packetCount: internals.packetCount,
      octetCount: internals.octetCount,
    }),
  });
  await transport.sendRtcp([report]);
}

/**
 * Continues `sender`'s outgoing stream with a new source (another simulcast layer) whose first
 * packet has `header`: the next sequence number follows on, and the timestamp advances by
 * `gapTicks`. werift's `replaceRTP(header, true)` would do this, but it adds its discontinuity
 * step to the 32-bit timestamp offset with 16-bit arithmetic, which corrupts it.
 */
export function rebaseSender(
  sender: RTCRtpSender,
  header: Pick<RtpHeader, 'sequenceNumber' | 'timestamp'>,
  gapTicks: number,
): void {
  sender.replaceRTP({
    sequenceNumber: uint16Add(header.sequenceNumber, -1),
    timestamp: uint32Add(header.timestamp, -gapTicks),
  });
}

/**
 * Names a subscriber's sender the way LiveKit clients expect: stream id `<PA_sid>|<TR_sid>` and
 * track id `<TR_sid>` in its `a=msid:` line (test-sfu.md §2.6).
 */
export function setSenderMsid(sender: RTCRtpSender, streamId: string, trackId: string): void {
  sender.streamId = streamId;
  // trackId is a plain field in werift, typed readonly; the SDP's msid line reads it.
  (sender as unknown as { trackId: string }).trackId = trackId;
}

function requireMethod(
  prototype: object,
  name: string,
): { original: Method; replace(fn: (this: unknown, ...args: unknown[]) => unknown): void } {
  const record = prototype as Record<string, unknown>;
  const original = record[name];
  if (typeof original !== 'function') {
    throw new Error(
      `werift ${WERIFT_VERSION} workaround: ${prototype.constructor.name}.${name} is gone; werift changed, update packages/test-sfu/src/werift-workarounds.ts`,
    );
  }
  return {
    original: original as Method,
    replace(fn) {
      record[name] = fn;
    },
  };
}
