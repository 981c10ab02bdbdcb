import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  useAbsSendTime,
  useAudioLevelIndication,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
} from 'werift';

/** Options for {@link createPeerConnection}. */
export interface PeerConnectionOptions {
  /**
   * The only IPv4 address to gather host candidates on. Inside scripts/netns-run it is the veth
   * address 10.99.0.1, since libwebrtc ignores loopback. Unset: every host address.
   */
  iceIp?: string;
}

const VIDEO_FEEDBACK = [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'goog-remb' },
  { type: 'transport-cc' },
];

/**
 * A werift peer connection set up like livekit-server's: Opus, VP8 and H264, max-bundle, IPv4
 * only, and no STUN or TURN server at all (nothing may leave the test network namespace).
 * Call `applyWeriftWorkarounds()` first.
 */
export function createPeerConnection(options: PeerConnectionOptions): RTCPeerConnection {
  return new RTCPeerConnection({
    bundlePolicy: 'max-bundle',
    iceServers: [],
    iceUseIpv6: false,
    ...(options.iceIp === undefined
      ? {}
      : {
          iceAdditionalHostAddresses: [options.iceIp],
          iceInterfaceAddresses: { udp4: options.iceIp },
        }),
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          parameters: 'minptime=10;useinbandfec=1',
          rtcpFeedback: [{ type: 'transport-cc' }],
        }),
      ],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: VIDEO_FEEDBACK,
        }),
        new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
          rtcpFeedback: VIDEO_FEEDBACK,
        }),
      ],
    },
    headerExtensions: {
      audio: [useSdesMid(), useAbsSendTime(), useAudioLevelIndication()],
      // rid lets werift tell simulcast layers apart.
      video: [useSdesMid(), useSdesRTPStreamId(), useAbsSendTime(), useTransportWideCC()],
    },
  });
}
