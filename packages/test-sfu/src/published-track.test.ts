import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackInfo, TrackType } from '@livekit/protocol';
import {
  MediaStreamTrack,
  type RTCRtpReceiver,
  RtcpSenderInfo,
  RtcpSrPacket,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { silentLogger } from './logger.js';
import { PublishedTrack, type TrackSink } from './published-track.js';

const VP8_KEY = [0x10, 0x00];
const VP8_DELTA = [0x10, 0x01];

function packet(ssrc: number, sequenceNumber: number, payload: number[]): RtpPacket {
  return new RtpPacket(
    new RtpHeader({ ssrc, sequenceNumber, timestamp: sequenceNumber * 3000, payloadType: 96 }),
    Buffer.from(payload),
  );
}

function senderReport(ssrc: number): RtcpSrPacket {
  return new RtcpSrPacket({
    ssrc,
    senderInfo: new RtcpSenderInfo({
      ntpTimestamp: 1n,
      rtpTimestamp: 2,
      packetCount: 3,
      octetCount: 4,
    }),
  });
}

function simulcastTrack() {
  const plis: number[] = [];
  const receiver = {
    sendRtcpPLI: async (ssrc: number) => {
      plis.push(ssrc);
    },
  } as unknown as RTCRtpReceiver;
  const track = new PublishedTrack({
    info: new TrackInfo({ sid: 'TR_test', type: TrackType.VIDEO, mimeType: 'video/VP8' }),
    cid: 'cid',
    publisherSid: 'PA_test',
    logger: silentLogger,
  });
  const low = new MediaStreamTrack({ kind: 'video', remote: true, rid: 'q' });
  const high = new MediaStreamTrack({ kind: 'video', remote: true, rid: 'f' });
  track.addLayer(receiver, low, '1');
  track.addLayer(receiver, high, '1');
  const sink = { forwarded: [] as number[], switches: [] as number[], reports: [] as number[] };
  const implementation: TrackSink & { maxRank?: number } = {
    writeRtp: (rtp) => sink.forwarded.push(rtp.header.ssrc),
    switchSource: (header) => sink.switches.push(header.ssrc),
    writeSenderReport: (report) => sink.reports.push(report.ssrc),
  };
  track.addSink(implementation);
  return { track, low, high, sink, plis, implementation };
}

describe('PublishedTrack', () => {
  it('forwards the first layer that delivers media and asks it for a keyframe', () => {
    const { low, sink, plis } = simulcastTrack();
    low.onReceiveRtp.execute(packet(111, 1, VP8_DELTA));
    low.onReceiveRtp.execute(packet(111, 2, VP8_DELTA));
    assert.deepEqual(sink.forwarded, [111, 111]);
    assert.deepEqual(plis, [111]);
  });

  it('moves up to a better layer only at its keyframe', () => {
    const { low, high, sink, plis } = simulcastTrack();
    low.onReceiveRtp.execute(packet(111, 1, VP8_KEY));
    high.onReceiveRtp.execute(packet(222, 1, VP8_DELTA));
    assert.deepEqual(sink.forwarded, [111], 'a delta frame of the better layer was forwarded');
    assert.deepEqual(plis, [111, 222]);
    high.onReceiveRtp.execute(packet(222, 2, VP8_KEY));
    low.onReceiveRtp.execute(packet(111, 2, VP8_DELTA));
    high.onReceiveRtp.execute(packet(222, 3, VP8_DELTA));
    assert.deepEqual(sink.switches, [222]);
    assert.deepEqual(sink.forwarded, [111, 222, 222]);
  });

  it('never moves down to a worse layer', () => {
    const { low, high, sink } = simulcastTrack();
    high.onReceiveRtp.execute(packet(222, 1, VP8_KEY));
    low.onReceiveRtp.execute(packet(111, 1, VP8_KEY));
    assert.deepEqual(sink.forwarded, [222]);
    assert.deepEqual(sink.switches, []);
  });

  it("moves down to a sink's limit at the lower layer's keyframe, and back up", () => {
    const { low, high, sink, implementation } = simulcastTrack();
    high.onReceiveRtp.execute(packet(222, 1, VP8_KEY));
    implementation.maxRank = 0;
    high.onReceiveRtp.execute(packet(222, 2, VP8_DELTA));
    low.onReceiveRtp.execute(packet(111, 1, VP8_DELTA));
    assert.deepEqual(sink.forwarded, [222, 222], 'moved down before a keyframe');
    low.onReceiveRtp.execute(packet(111, 2, VP8_KEY));
    high.onReceiveRtp.execute(packet(222, 3, VP8_DELTA));
    assert.deepEqual(sink.switches, [111]);
    assert.deepEqual(sink.forwarded, [222, 222, 111]);
    implementation.maxRank = undefined;
    high.onReceiveRtp.execute(packet(222, 4, VP8_KEY));
    assert.deepEqual(sink.switches, [111, 222]);
    assert.deepEqual(sink.forwarded, [222, 222, 111, 222]);
  });

  it("passes on only the forwarded layer's sender reports", () => {
    const { low, high, sink } = simulcastTrack();
    low.onReceiveRtp.execute(packet(111, 1, VP8_KEY));
    high.onReceiveRtp.execute(packet(222, 1, VP8_DELTA));
    low.onReceiveRtcp.execute(senderReport(111));
    high.onReceiveRtcp.execute(senderReport(222));
    assert.deepEqual(sink.reports, [111]);
  });

  it('stops forwarding when closed', () => {
    const { track, low, sink } = simulcastTrack();
    track.close();
    low.onReceiveRtp.execute(packet(111, 1, VP8_KEY));
    assert.deepEqual(sink.forwarded, []);
  });
});
