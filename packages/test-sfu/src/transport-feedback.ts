// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01,
// RTCP RTPFB FMT 15), written by the SFU for each publisher connection. libwebrtc's sender sizes
// its bitrate, and so the resolution it sends, from these arrival times; werift 0.24.4's own
// feedback misreports them (see werift-workarounds.ts), which read as congestion.

/** One received packet: its extended transport-wide sequence number and arrival time. */
export interface PacketArrival {
  /** The 16-bit sequence number unwrapped to a growing integer. */
  seq: number;
  /** Arrival on a monotonic clock, microseconds. */
  atUs: number;
}

/** What one feedback packet reports. */
export interface TransportFeedback {
  senderSsrc: number;
  mediaSsrc: number;
  /** The feedback packet count, 8 bits. */
  feedbackCount: number;
  /** Ascending by `seq`, unique, spanning at most 65,535 sequence numbers. */
  arrivals: readonly PacketArrival[];
  /**
   * The first sequence number reported, when it is before the first arrival: the packets
   * between are reported lost. @defaultValue the first arrival's
   */
  baseSeq?: number;
}

const NOT_RECEIVED = 0;
const SMALL_DELTA = 1;
const LARGE_DELTA = 2;
const DELTA_US = 250;
const REFERENCE_US = 64_000;
const MAX_RUN = 0x1fff;

/**
 * The RTCP packet for `feedback`: a run-length chunk per run of equal statuses, receive deltas on
 * a 250 µs grid from a reference time in 64 ms units. Deltas come from times rounded onto the
 * grid first, so rounding never accumulates across packets or feedbacks.
 * @throws RangeError when there is no arrival or the span is too long
 */
export function encodeTransportFeedback(feedback: TransportFeedback): Buffer {
  const { arrivals } = feedback;
  const first = arrivals[0];
  const last = arrivals.at(-1);
  if (!first || !last) throw new RangeError('transport feedback needs at least one arrival');
  const baseSeq = Math.min(feedback.baseSeq ?? first.seq, first.seq);
  const statusCount = last.seq - baseSeq + 1;
  if (statusCount > 0xffff) throw new RangeError('transport feedback spans too many packets');

  const referenceUnits = Math.floor(first.atUs / REFERENCE_US);
  let previousTick = (referenceUnits * REFERENCE_US) / DELTA_US;
  const statuses = new Uint8Array(statusCount);
  const deltas: Buffer[] = [];
  for (const arrival of arrivals) {
    const tick = Math.round(arrival.atUs / DELTA_US);
    const delta = tick - previousTick;
    previousTick = tick;
    const small = delta >= 0 && delta <= 0xff;
    statuses[arrival.seq - baseSeq] = small ? SMALL_DELTA : LARGE_DELTA;
    const bytes = Buffer.alloc(small ? 1 : 2);
    if (small) bytes.writeUInt8(delta);
    else bytes.writeInt16BE(Math.max(-0x8000, Math.min(0x7fff, delta)));
    deltas.push(bytes);
  }

  const chunks: Buffer[] = [];
  for (let start = 0; start < statusCount; ) {
    const status = statuses[start] ?? NOT_RECEIVED;
    let end = start + 1;
    while (end < statusCount && statuses[end] === status && end - start < MAX_RUN) end += 1;
    const chunk = Buffer.alloc(2);
    chunk.writeUInt16BE((status << 13) | (end - start));
    chunks.push(chunk);
    start = end;
  }

  const fixed = Buffer.alloc(16);
  fixed.writeUInt32BE(feedback.senderSsrc >>> 0, 0);
  fixed.writeUInt32BE(feedback.mediaSsrc >>> 0, 4);
  fixed.writeUInt16BE(baseSeq & 0xffff, 8);
  fixed.writeUInt16BE(statusCount, 10);
  fixed.writeUIntBE(referenceUnits & 0xffffff, 12, 3);
  fixed.writeUInt8(feedback.feedbackCount & 0xff, 15);
  const body = Buffer.concat([fixed, ...chunks, ...deltas]);
  const padding = (4 - ((4 + body.length) % 4)) % 4;
  const packet = Buffer.alloc(4 + body.length + padding);
  // V=2, P when padded, FMT=15; PT=205 (RTPFB); length in 32-bit words minus one.
  packet.writeUInt8(0x80 | (padding ? 0x20 : 0) | 15, 0);
  packet.writeUInt8(205, 1);
  packet.writeUInt16BE(packet.length / 4 - 1, 2);
  body.copy(packet, 4);
  if (padding) packet.writeUInt8(padding, packet.length - 1);
  return packet;
}

/** Where {@link TransportFeedbackSender} sends its packets: werift's DTLS transport. */
export interface RtcpTransport {
  sendRtcp(packets: Array<{ serialize(): Buffer }>): Promise<unknown>;
}

/** How often feedback goes out, milliseconds (libwebrtc's receivers send every 50–250 ms). */
const FEEDBACK_INTERVAL_MS = 50;

/**
 * Records when each packet of a publisher's connection arrives and reports it every 50 ms. It
 * stands in for werift's `ReceiverTWCC` (same `handleTWCC` and `twccRunning`), so the receiver
 * that owns it can start and stop it as before.
 */
export class TransportFeedbackSender {
  readonly #transport: RtcpTransport;
  readonly #senderSsrc: number;
  readonly #mediaSsrc: number;
  readonly #now: () => number;
  #pending: PacketArrival[] = [];
  #lastSeq: number | undefined;
  /** The sequence number after the last one reported: the next feedback starts there. */
  #nextSeq: number | undefined;
  #feedbackCount = 0;
  #timer: NodeJS.Timeout | undefined;

  /** @param nowUs the arrival clock, microseconds (a monotonic clock by default) */
  constructor(
    transport: RtcpTransport,
    senderSsrc: number,
    mediaSsrc: number,
    nowUs: () => number = () => performance.now() * 1000,
  ) {
    this.#transport = transport;
    this.#senderSsrc = senderSsrc;
    this.#mediaSsrc = mediaSsrc;
    this.#now = nowUs;
    this.#timer = setInterval(() => this.flush(), FEEDBACK_INTERVAL_MS);
    this.#timer.unref();
  }

  /** werift's receiver sets this to false when it stops. */
  get twccRunning(): boolean {
    return this.#timer !== undefined;
  }

  set twccRunning(running: boolean) {
    if (running || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
  }

  /** A packet with this 16-bit transport-wide sequence number arrived now. */
  handleTWCC(sequenceNumber: number): void {
    if (!this.#timer) return;
    const atUs = this.#now();
    const seq =
      this.#lastSeq === undefined
        ? sequenceNumber
        : this.#lastSeq + ((((sequenceNumber - this.#lastSeq) & 0xffff) ^ 0x8000) - 0x8000);
    this.#lastSeq = Math.max(this.#lastSeq ?? seq, seq);
    this.#pending.push({ seq, atUs });
  }

  /** Sends what arrived since the last feedback, if anything. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const bySeq = new Map(this.#pending.map((a) => [a.seq, a]));
    this.#pending = [];
    const arrivals = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const first = arrivals[0]?.seq ?? 0;
    const last = arrivals.at(-1)?.seq ?? 0;
    // As libwebrtc's receivers do, so that a packet lost between two feedbacks is reported too.
    const next = this.#nextSeq;
    const baseSeq = next !== undefined && next < first && last - next < 0x8000 ? next : first;
    this.#nextSeq = Math.max(next ?? 0, last + 1);
    const packet = encodeTransportFeedback({
      senderSsrc: this.#senderSsrc,
      mediaSsrc: this.#mediaSsrc,
      feedbackCount: this.#feedbackCount,
      arrivals,
      baseSeq,
    });
    this.#feedbackCount = (this.#feedbackCount + 1) & 0xff;
    // A closed transport drops it, as werift does with its own feedback.
    this.#transport.sendRtcp([{ serialize: () => packet }]).catch(() => undefined);
  }
}
