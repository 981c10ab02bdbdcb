import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  Connection,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RTCRtpReceiver,
  RTCRtpSender,
  type RtcpPacket,
  RtcpSenderInfo,
  RtcpSrPacket,
  RtpHeader,
  RtpPacket,
  SDPManager,
  TransceiverManager,
  useSdesMid,
} from 'werift';
import { createPeerConnection } from './peer-connection.js';
import { TransportFeedbackSender } from './transport-feedback.js';
import {
  applyWeriftWorkarounds,
  pinSenderCodec,
  rebaseSender,
  sendTranslatedSenderReport,
  setSenderMsid,
  suppressSenderReports,
  toForwardablePacket,
} from './werift-workarounds.js';

// Runs werift 0.24.4 without the workarounds first, to prove each bug they patch is still there
// (if one is fixed upstream, drop its workaround), then with them. Nothing is patched on import.

const opus = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });
const vp8 = () =>
  new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96 });
const h264 = () =>
  new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: 102 });

const closers: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const close of closers) await close();
});

function peerPair(patched: boolean): { client: RTCPeerConnection; server: RTCPeerConnection } {
  const make = () =>
    patched
      ? createPeerConnection({ iceIp: '127.0.0.1' })
      : // ICE lite gathers no server-reflexive candidates: unpatched werift would otherwise
        // query stun.l.google.com.
        new RTCPeerConnection({
          iceLite: true,
          iceUseIpv6: false,
          iceAdditionalHostAddresses: ['127.0.0.1'],
          iceInterfaceAddresses: { udp4: '127.0.0.1' },
        });
  const client = make();
  const server = make();
  closers.push(
    () => client.close(),
    () => server.close(),
  );
  return { client, server };
}

/**
 * A client offers a recvonly m-line (answered inactive), then re-offers with a new sendonly m-line
 * after it, as rtc-node does when it publishes; returns the first answer and a way to get the second.
 */
async function renegotiate(
  patched: boolean,
): Promise<{ first: string; answerAgain: () => Promise<string> }> {
  const { client, server } = peerPair(patched);
  client.addTransceiver('audio', { direction: 'recvonly' });
  await client.setLocalDescription(await client.createOffer());
  const offer = client.localDescription?.sdp ?? assert.fail('no offer');
  await server.setRemoteDescription({ type: 'offer', sdp: offer });
  const firstAnswer = await server.createAnswer();
  await server.setLocalDescription(firstAnswer);
  // werift as a client would itself reuse the inactive slot, so write the re-offer by hand.
  const [session = '', media = ''] = offer.split(/\r\n(?=m=)/);
  const added = media.replace('a=mid:0', 'a=mid:1').replace('a=recvonly', 'a=sendonly');
  const reoffer = `${session.replace('a=group:BUNDLE 0', 'a=group:BUNDLE 0 1')}\r\n${media}\r\n${added}`;
  await server.setRemoteDescription({ type: 'offer', sdp: reoffer });
  return { first: firstAnswer.sdp, answerAgain: () => server.createAnswer().then((a) => a.sdp) };
}

interface FakeTransport {
  sentHeaders: RtpHeader[];
  sentRtcp: RtcpPacket[];
}

function senderWithFakeTransport(
  kind: 'audio' | 'video',
  codecs: RTCRtpCodecParameters[],
): RTCRtpSender & FakeTransport {
  const sender = new RTCRtpSender(kind);
  const fake: FakeTransport = { sentHeaders: [], sentRtcp: [] };
  Object.assign(sender, {
    dtlsTransport: {
      state: 'connected',
      transportSequenceNumber: 0,
      sendRtp: async (_payload: Buffer, header: RtpHeader) => {
        fake.sentHeaders.push(header);
        return 0;
      },
      sendRtcp: async (packets: RtcpPacket[]) => {
        fake.sentRtcp.push(...packets);
      },
    },
  });
  sender.prepareSend({
    codecs,
    headerExtensions: [{ id: 1, uri: useSdesMid().uri }],
    muxId: '0',
    rtcp: { cname: 'test', mux: true, ssrc: sender.ssrc },
  } as unknown as Parameters<RTCRtpSender['prepareSend']>[0]);
  closers.push(() => sender.stop());
  return Object.assign(sender, fake);
}

function publisherPacket(sequenceNumber: number, timestamp: number): RtpPacket {
  return new RtpPacket(
    new RtpHeader({
      payloadType: 111,
      sequenceNumber,
      timestamp,
      ssrc: 1234,
      extension: true,
      extensions: [{ id: 1, payload: Buffer.from('publisher-mid') }],
    }),
    Buffer.from([1, 2, 3, 4]),
  );
}

interface TwccView {
  receiverTWCC?: { handleTWCC(seq: number): void; flush?: () => void };
  setupTWCC(mediaSourceSsrc: number): void;
}

/** A video receiver with transport-cc negotiated, sending its RTCP into `sent` (serialized). */
function twccReceiver(sent: Buffer[]): RTCRtpReceiver & TwccView {
  const receiver = new RTCRtpReceiver({} as never, 'video', 4321);
  Object.assign(receiver, {
    dtlsTransport: {
      state: 'connected',
      sendRtcp: async (packets: Array<{ serialize(): Buffer }>) => {
        sent.push(...packets.map((p) => p.serialize()));
      },
    },
  });
  receiver.prepareReceive({
    codecs: [
      new RTCRtpCodecParameters({
        mimeType: 'video/VP8',
        clockRate: 90000,
        payloadType: 96,
        rtcpFeedback: [{ type: 'transport-cc' }],
      }),
    ],
    encodings: [],
    headerExtensions: [],
  } as unknown as Parameters<RTCRtpReceiver['prepareReceive']>[0]);
  closers.push(() => receiver.stop());
  return receiver as RTCRtpReceiver & TwccView;
}

/** Whether an RTCP packet's length field (32-bit words minus one) covers all its bytes. */
const lengthIsExact = (packet: Buffer) => (packet.readUInt16BE(2) + 1) * 4 === packet.length;

const midOf = (header: RtpHeader | undefined) =>
  header?.extensions.find((e) => e.id === 1)?.payload.toString();

describe('werift 0.24.4 without the workarounds', () => {
  it('answers an inactive m-line with port 0, which breaks BUNDLE', async () => {
    const { first } = await renegotiate(false);
    assert.match(first, /^m=audio 0 /m);
  });

  it('lets a new remote m-line take over an inactive transceiver and fails to answer', async () => {
    const { answerAgain } = await renegotiate(false);
    await assert.rejects(answerAgain(), /Transceiver with mid=\d+ not found/);
  });

  it('falls back to stun.l.google.com when no STUN server is set', () => {
    const connection = new Connection(true, {});
    closers.push(() => connection.close());
    assert.deepEqual(connection.stunServer, ['stun.l.google.com', 19302]);
  });

  it("lets a forwarded packet's header extensions overwrite its own mid", async () => {
    const sender = senderWithFakeTransport('audio', [opus()]);
    await sender.sendRtp(publisherPacket(1, 1000));
    assert.equal(midOf(sender.sentHeaders[0]), 'publisher-mid');
  });

  it('stamps the first negotiated codec on every packet', () => {
    const sender = senderWithFakeTransport('video', [vp8(), h264()]);
    assert.equal(sender.codec?.mimeType, 'video/VP8');
  });

  it('corrupts the timestamp offset when replaceRTP marks a discontinuity', async () => {
    const sender = senderWithFakeTransport('audio', [opus()]);
    await sender.sendRtp(publisherPacket(10, 5000));
    sender.replaceRTP({ sequenceNumber: 500, timestamp: 4_000_000 }, true);
    await sender.sendRtp(publisherPacket(500, 4_000_000));
    assert.notEqual(sender.sentHeaders[1]?.timestamp, 5001);
  });

  it('sends sender reports from its own clock once it forwards', async () => {
    const sender = senderWithFakeTransport('audio', [opus()]);
    await sender.sendRtp(publisherPacket(1, 1000));
    await delay(1700);
    assert.ok(sender.sentRtcp.some((p) => p instanceof RtcpSrPacket));
  });

  it('declares a transport feedback length that cuts off its last deltas', () => {
    const sent: Buffer[] = [];
    const receiver = twccReceiver(sent);
    receiver.setupTWCC(5678);
    // 11 packets: 16 fixed bytes, a 2-byte chunk and 11 one-byte deltas are not word-aligned.
    for (let seq = 1; seq <= 11; seq += 1) receiver.receiverTWCC?.handleTWCC(seq);
    const [packet] = sent;
    assert.ok(packet, 'werift sent feedback after 11 packets');
    assert.equal(lengthIsExact(packet), false);
  });
});

describe('applyWeriftWorkarounds', () => {
  it('patches each werift method once; a second call changes nothing', () => {
    const patched = () =>
      new Map<string, unknown>([
        ['addTransportDescription', SDPManager.prototype.addTransportDescription],
        ['addTransceiver', TransceiverManager.prototype.addTransceiver],
        ['gatherCandidates', Connection.prototype.gatherCandidates],
        ['setupTWCC', RTCRtpReceiver.prototype.setupTWCC],
      ]);
    // the describe above ran werift as shipped: nothing is patched yet
    const shipped = patched();
    applyWeriftWorkarounds();
    const once = patched();
    for (const [name, method] of once) assert.notEqual(method, shipped.get(name), name);
    applyWeriftWorkarounds();
    assert.deepEqual(patched(), once);
  });

  it('keeps port 9 on an inactive m-line', async () => {
    const { first } = await renegotiate(true);
    assert.doesNotMatch(first, /^m=audio 0 /m);
    assert.match(first, /^m=audio 9 /m);
  });

  it('answers a renegotiation that adds an m-line after an inactive one', async () => {
    const { answerAgain } = await renegotiate(true);
    const answer = await answerAgain();
    assert.match(answer, /^a=mid:1\s*$/m);
  });

  it('gathers without any STUN server when none is set', async () => {
    const connection = new Connection(true, {
      useIpv6: false,
      additionalHostAddresses: ['127.0.0.1'],
      interfaceAddresses: { udp4: '127.0.0.1' },
    });
    closers.push(() => connection.close());
    await connection.gatherCandidates();
    assert.equal(connection.stunServer, undefined);
    assert.ok(connection.localCandidates.length > 0, 'no host candidate gathered');
    assert.ok(connection.localCandidates.every((c) => c.type === 'host'));
  });

  it('forwards a packet with the subscriber connection mid', async () => {
    const sender = senderWithFakeTransport('audio', [opus()]);
    await sender.sendRtp(toForwardablePacket(publisherPacket(1, 1000)));
    assert.equal(midOf(sender.sentHeaders[0]), '0');
  });

  it("pins the sender to the publisher's codec", () => {
    const sender = senderWithFakeTransport('video', [vp8(), h264()]);
    assert.equal(pinSenderCodec(sender, [vp8(), h264()], 'video/h264'), true);
    assert.equal(sender.codec?.payloadType, 102);
    assert.equal(pinSenderCodec(sender, [vp8()], 'video/H264'), false);
  });

  it('continues sequence numbers and timestamps across a source switch', async () => {
    const sender = senderWithFakeTransport('video', [vp8()]);
    await sender.sendRtp(publisherPacket(65535, 4_294_967_000));
    rebaseSender(sender, { sequenceNumber: 700, timestamp: 4_000_000 }, 3000);
    await sender.sendRtp(publisherPacket(700, 4_000_000));
    await sender.sendRtp(publisherPacket(701, 4_003_000));
    const sent = sender.sentHeaders.map((h) => [h.sequenceNumber, h.timestamp]);
    assert.deepEqual(sent, [
      [65535, 4_294_967_000],
      [0, (4_294_967_000 + 3000) % 2 ** 32],
      [1, (4_294_967_000 + 6000) % 2 ** 32],
    ]);
  });

  it('sends no sender reports of its own once suppressed', async () => {
    const sender = senderWithFakeTransport('audio', [opus()]);
    suppressSenderReports(sender);
    await sender.sendRtp(publisherPacket(1, 1000));
    await delay(1700);
    assert.equal(sender.sentRtcp.length, 0);
  });

  it("translates a publisher's sender report to the forwarded timestamps", async () => {
    const sender = senderWithFakeTransport('audio', [opus()]);
    suppressSenderReports(sender);
    await sender.sendRtp(publisherPacket(10, 5000));
    // A switch to another source (a simulcast layer) rebases its timestamps onto the stream.
    sender.replaceRTP({ sequenceNumber: 500, timestamp: 90_000 });
    const source = new RtcpSrPacket({
      ssrc: 42,
      senderInfo: new RtcpSenderInfo({
        ntpTimestamp: 123_456_789n,
        rtpTimestamp: 91_000,
        packetCount: 1,
        octetCount: 1,
      }),
    });
    await sendTranslatedSenderReport(sender, source);
    const report = sender.sentRtcp[0];
    assert.ok(report instanceof RtcpSrPacket);
    assert.equal(report.ssrc, sender.ssrc);
    assert.equal(report.senderInfo.ntpTimestamp, 123_456_789n);
    assert.equal(report.senderInfo.rtpTimestamp, 5000 + (91_000 - 90_000));
    assert.equal(report.senderInfo.packetCount, 1);
  });

  it('sends transport feedback of its own, word-aligned with an exact length', () => {
    const sent: Buffer[] = [];
    const receiver = twccReceiver(sent);
    receiver.setupTWCC(5678);
    assert.ok(receiver.receiverTWCC instanceof TransportFeedbackSender);
    for (let seq = 1; seq <= 11; seq += 1) receiver.receiverTWCC?.handleTWCC(seq);
    receiver.receiverTWCC?.flush?.();
    const [packet] = sent;
    assert.ok(packet, 'feedback sent');
    assert.equal(lengthIsExact(packet), true);
    assert.equal(packet.readUInt16BE(14), 11, 'all 11 packets reported');
  });

  it('names the msid line after the publisher and the track', async () => {
    const { server } = peerPair(true);
    const transceiver = server.addTransceiver('video', { direction: 'sendonly' });
    setSenderMsid(transceiver.sender, 'PA_abc|TR_def', 'TR_def');
    const offer = await server.createOffer();
    assert.match(offer.sdp, /^a=msid:PA_abc\|TR_def TR_def\s*$/m);
  });
});
