import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PacketStatus,
  RtcpPacketConverter,
  RtcpTransportLayerFeedback,
  type RunLengthChunk,
  TransportWideCC,
} from 'werift';
import {
  encodeTransportFeedback,
  type PacketArrival,
  TransportFeedbackSender,
} from './transport-feedback.js';

// Decoded with werift's RTCP parser, an implementation independent of the encoder.
function decode(packet: Buffer): TransportWideCC {
  const [parsed] = RtcpPacketConverter.deSerialize(packet);
  assert.ok(parsed instanceof RtcpTransportLayerFeedback, 'an RTPFB packet');
  assert.ok(parsed.feedback instanceof TransportWideCC, 'transport-wide feedback (FMT 15)');
  return parsed.feedback;
}

/** Each sequence number's status, expanded from the run-length chunks. */
function statuses(feedback: TransportWideCC): number[] {
  return (feedback.packetChunks as RunLengthChunk[]).flatMap((chunk) =>
    Array<number>(chunk.runLength).fill(chunk.packetStatus),
  );
}

/** Arrival times as libwebrtc rebuilds them: reference time, then the deltas added up. */
function arrivalsUs(feedback: TransportWideCC): number[] {
  let atUs = feedback.referenceTime * 64_000;
  return feedback.recvDeltas.map((d) => {
    atUs += d.delta;
    return atUs;
  });
}

describe('encodeTransportFeedback', () => {
  it('reports received and lost packets with deltas from the reference time', () => {
    const arrivals: PacketArrival[] = [
      { seq: 100, atUs: 1_000_300 },
      { seq: 101, atUs: 1_001_300 },
      // 102 and 103 lost
      { seq: 104, atUs: 1_005_050 },
      // a gap longer than a small delta (63.75 ms) and one arriving out of order (negative)
      { seq: 105, atUs: 1_105_050 },
      { seq: 106, atUs: 1_104_050 },
    ];
    const packet = encodeTransportFeedback({
      senderSsrc: 0x11111111,
      mediaSsrc: 0xdeadbeef,
      feedbackCount: 7,
      arrivals,
    });
    assert.equal(packet.length % 4, 0, 'RTCP packets are 32-bit aligned');
    assert.equal((packet.readUInt16BE(2) + 1) * 4, packet.length, 'the declared length is exact');
    const feedback = decode(packet);
    assert.equal(feedback.senderSsrc, 0x11111111);
    assert.equal(feedback.mediaSourceSsrc, 0xdeadbeef);
    assert.equal(feedback.baseSequenceNumber, 100);
    assert.equal(feedback.packetStatusCount, 7);
    assert.equal(feedback.fbPktCount, 7);
    assert.equal(feedback.referenceTime, Math.floor(1_000_300 / 64_000));
    assert.deepEqual(statuses(feedback), [
      PacketStatus.TypeTCCPacketReceivedSmallDelta,
      PacketStatus.TypeTCCPacketReceivedSmallDelta,
      PacketStatus.TypeTCCPacketNotReceived,
      PacketStatus.TypeTCCPacketNotReceived,
      PacketStatus.TypeTCCPacketReceivedSmallDelta,
      PacketStatus.TypeTCCPacketReceivedLargeDelta,
      PacketStatus.TypeTCCPacketReceivedLargeDelta,
    ]);
    const rebuilt = arrivalsUs(feedback);
    assert.equal(rebuilt.length, arrivals.length);
    rebuilt.forEach((atUs, i) => {
      assert.ok(Math.abs(atUs - (arrivals[i]?.atUs ?? 0)) <= 125, `packet ${i}: ${atUs}`);
    });
  });

  it('writes the 16-bit base of an unwrapped sequence number', () => {
    const feedback = decode(
      encodeTransportFeedback({
        senderSsrc: 1,
        mediaSsrc: 2,
        feedbackCount: 256,
        arrivals: [
          { seq: 65_535, atUs: 10_000 },
          { seq: 65_536, atUs: 11_000 },
        ],
      }),
    );
    assert.equal(feedback.baseSequenceNumber, 65_535);
    assert.equal(feedback.packetStatusCount, 2);
    assert.equal(feedback.fbPktCount, 0);
  });

  it('refuses an empty feedback', () => {
    assert.throws(
      () =>
        encodeTransportFeedback({ senderSsrc: 1, mediaSsrc: 2, feedbackCount: 0, arrivals: [] }),
      RangeError,
    );
  });
});

describe('TransportFeedbackSender', () => {
  it('keeps every arrival within one delta step over many feedbacks (no drift)', async () => {
    const sent: Buffer[] = [];
    let nowUs = 5_000_123;
    const sender = new TransportFeedbackSender(
      { sendRtcp: async (packets) => sent.push(...packets.map((p) => p.serialize())) },
      1,
      2,
      () => nowUs,
    );
    const truth = new Map<number, number>();
    // 3,000 packets 3.37 ms apart, the 16-bit sequence wrapping at 65,535, every 50th lost.
    for (let i = 0; i < 3000; i += 1) {
      nowUs += 3370;
      const seq = 64_000 + i;
      if (i % 50 !== 49) {
        truth.set(seq, nowUs);
        sender.handleTWCC(seq & 0xffff);
      }
      if (i % 20 === 19) sender.flush();
    }
    sender.flush();
    sender.twccRunning = false;
    await Promise.resolve();

    let lastRebuilt = -1;
    let worstUs = 0;
    let reported = 0;
    let lost = 0;
    let nextBase: number | undefined;
    for (const packet of sent) {
      const feedback = decode(packet);
      const base = feedback.baseSequenceNumber;
      // Each feedback starts where the last one ended, so packets lost in between are reported.
      if (nextBase !== undefined) assert.equal(base, nextBase);
      nextBase = (base + feedback.packetStatusCount) & 0xffff;
      const rebuilt = arrivalsUs(feedback);
      let k = 0;
      statuses(feedback).forEach((status, offset) => {
        const seq = 64_000 + ((base + offset - 64_000) & 0xffff);
        if (status === PacketStatus.TypeTCCPacketNotReceived) {
          lost += 1;
          assert.equal(truth.has(seq), false, `seq ${seq} reported lost`);
          return;
        }
        const atUs = rebuilt[k++] ?? Number.NaN;
        worstUs = Math.max(worstUs, Math.abs(atUs - (truth.get(seq) ?? Number.NaN)));
        assert.ok(atUs > lastRebuilt, 'arrival times keep their order');
        lastRebuilt = atUs;
        reported += 1;
      });
    }
    assert.equal(reported, truth.size);
    // 60 lost; the very last is never reported, as no later packet tells it was sent.
    assert.equal(lost, 59);
    assert.ok(worstUs <= 125, `worst arrival error ${worstUs} µs`);
  });

  it('stops reporting once its receiver stops it', () => {
    const sent: unknown[] = [];
    const sender = new TransportFeedbackSender(
      { sendRtcp: async (packets) => sent.push(...packets) },
      1,
      2,
    );
    assert.equal(sender.twccRunning, true);
    sender.twccRunning = false;
    sender.handleTWCC(1);
    sender.flush();
    assert.equal(sender.twccRunning, false);
    assert.deepEqual(sent, []);
  });
});
