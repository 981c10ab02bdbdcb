import type { TrackInfo } from '@livekit/protocol';
import { TrackType } from '@livekit/protocol';
import {
  type Extensions,
  type MediaStreamTrack,
  type RTCRtpReceiver,
  RTP_EXTENSION_URI,
  type RtcpPacket,
  RtcpSrPacket,
  type RtpHeader,
  type RtpPacket,
} from 'werift';
import { AudioLevelMeter } from './audio-level-meter.js';
import { isKeyframeStart } from './keyframe.js';
import type { TestSfuLogger } from './logger.js';

/** Where a published track's media goes: one per subscriber ({@link TrackForwarder}). */
export interface TrackSink {
  /** A packet of the forwarded layer, in arrival order. */
  writeRtp(rtp: RtpPacket): void;
  /** The forwarded layer changes; `header` is the new layer's first forwarded packet. */
  switchSource(header: RtpHeader): void;
  /** The publisher's sender report for the forwarded layer. */
  writeSenderReport(report: RtcpSrPacket): void;
  /**
   * The best layer this sink wants, as a rank (0 = the lowest, rid `q`); undefined: the best
   * there is. See layerLimit().
   */
  readonly maxRank?: number;
}

/** Options for {@link PublishedTrack}. */
export interface PublishedTrackOptions {
  /** The track as announced (AddTrackRequest) and later published. */
  info: TrackInfo;
  /** The client's id for the track (AddTrackRequest.cid, the msid track id). */
  cid: string;
  /** The sid of the publishing participant. */
  publisherSid: string;
  logger: TestSfuLogger;
}

interface Layer {
  track: MediaStreamTrack;
  rid: string;
  rank: number;
  ssrc?: number;
  lastPacketMs?: number;
}

// LiveKit's simulcast rids, lowest quality first; an unknown rid ranks by arrival.
const RID_RANK: Record<string, number> = { q: 0, h: 1, f: 2 };
const KEYFRAME_REQUEST_INTERVAL_MS = 500;
// A layer without packets for this long is gone (the publisher paused it).
const LAYER_STALE_MS = 1500;

/**
 * One track a participant publishes: its TrackInfo and the layers werift receives. It forwards
 * one layer to every sink: it starts with the first layer that delivers media, then moves, at
 * the next keyframe (asked for with a PLI), to the target: the best live layer within the
 * highest limit any sink asks for ({@link TrackSink.maxRank}, from UpdateTrackSettings), or the
 * lowest live layer if none is within it. One layer for all subscribers keeps it simple; a test
 * that changes the limit has one subscriber.
 */
export class PublishedTrack {
  readonly info: TrackInfo;
  readonly cid: string;
  readonly publisherSid: string;
  /** Audio levels from the publisher's `ssrc-audio-level` header extension (audio tracks). */
  readonly audioLevel = new AudioLevelMeter();
  readonly #log: TestSfuLogger;
  #receiver: RTCRtpReceiver | undefined;
  readonly #layers: Layer[] = [];
  #current: Layer | undefined;
  readonly #sinks = new Set<TrackSink>();
  readonly #disposers: Array<() => void> = [];
  readonly #lastKeyframeRequestMs = new Map<Layer, number>();

  constructor(options: PublishedTrackOptions) {
    this.info = options.info;
    this.cid = options.cid;
    this.publisherSid = options.publisherSid;
    this.#log = options.logger;
  }

  /** 'audio' or 'video', as werift names kinds. */
  get kind(): 'audio' | 'video' {
    return this.info.type === TrackType.AUDIO ? 'audio' : 'video';
  }

  /** Whether media has been bound to this track (it is published). */
  get isBound(): boolean {
    return this.#receiver !== undefined;
  }

  /** The mime type of the publisher's codec, once bound. */
  get mimeType(): string {
    return this.info.mimeType;
  }

  /** The rid of the simulcast layer being forwarded ('' without simulcast), once media flows. */
  get forwardedRid(): string | undefined {
    return this.#current?.rid;
  }

  /** Binds a received werift track (one simulcast layer, or the only one) to this track. */
  addLayer(receiver: RTCRtpReceiver, track: MediaStreamTrack, mid: string): void {
    this.#receiver = receiver;
    if (!this.info.mid) this.info.mid = mid;
    if (!this.info.mimeType && track.codec) this.info.mimeType = track.codec.mimeType;
    const rid = track.rid ?? '';
    const layer: Layer = {
      track,
      rid,
      rank: RID_RANK[rid] ?? this.#layers.length,
      ...(track.ssrc ? { ssrc: track.ssrc } : {}),
    };
    this.#layers.push(layer);
    const onRtp = track.onReceiveRtp.subscribe((rtp, extensions) => {
      if (this.kind === 'audio') this.#measureLevel(extensions);
      this.#onRtp(layer, rtp);
    });
    const onRtcp = track.onReceiveRtcp.subscribe((packet) => this.#onRtcp(layer, packet));
    this.#disposers.push(onRtp.unSubscribe, onRtcp.unSubscribe);
    this.#log.debug({ trackSid: this.info.sid, rid, mid }, 'track layer bound');
  }

  /** Adds a sink; returns a function that removes it. */
  addSink(sink: TrackSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** Asks the publisher for a keyframe of the forwarded layer (a PLI), at most every 500 ms. */
  requestKeyframe(): void {
    if (this.#current) this.#requestKeyframe(this.#current);
  }

  /** Stops forwarding; sinks get nothing more. */
  close(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.#sinks.clear();
  }

  #onRtp(layer: Layer, rtp: RtpPacket): void {
    const nowMs = Date.now();
    layer.ssrc = rtp.header.ssrc;
    layer.lastPacketMs = nowMs;
    const current = this.#current;
    if (!current) {
      this.#current = layer;
      this.#requestKeyframe(layer);
    } else if (layer !== current) {
      if (layer !== this.#target(nowMs)) return;
      if (!isKeyframeStart(this.info.mimeType, rtp.payload)) {
        this.#requestKeyframe(layer);
        return;
      }
      this.#log.debug(
        { trackSid: this.info.sid, from: current.rid, to: layer.rid },
        'layer switch',
      );
      this.#current = layer;
      for (const sink of this.#sinks) sink.switchSource(rtp.header);
    }
    for (const sink of this.#sinks) sink.writeRtp(rtp);
  }

  /** The layer to forward: the best live one within the sinks' highest limit, else the lowest. */
  #target(nowMs: number): Layer | undefined {
    let maxRank = this.#sinks.size === 0 ? Number.POSITIVE_INFINITY : -1;
    for (const sink of this.#sinks) maxRank = Math.max(maxRank, sink.maxRank ?? Infinity);
    let best: Layer | undefined;
    let lowest: Layer | undefined;
    for (const layer of this.#layers) {
      if (nowMs - (layer.lastPacketMs ?? Number.NEGATIVE_INFINITY) > LAYER_STALE_MS) continue;
      if (!lowest || layer.rank < lowest.rank) lowest = layer;
      if (layer.rank <= maxRank && (!best || layer.rank > best.rank)) best = layer;
    }
    return best ?? lowest;
  }

  #measureLevel(extensions: Extensions | undefined): void {
    const value: unknown = extensions?.[RTP_EXTENSION_URI.audioLevelIndication];
    if (typeof value !== 'object' || value === null || !('level' in value)) return;
    if (typeof value.level === 'number') this.audioLevel.add(value.level, Date.now());
  }

  #onRtcp(layer: Layer, packet: RtcpPacket): void {
    if (layer !== this.#current || !(packet instanceof RtcpSrPacket)) return;
    for (const sink of this.#sinks) sink.writeSenderReport(packet);
  }

  #requestKeyframe(layer: Layer): void {
    if (this.kind !== 'video' || !this.#receiver || layer.ssrc === undefined) return;
    const now = Date.now();
    if (now - (this.#lastKeyframeRequestMs.get(layer) ?? 0) < KEYFRAME_REQUEST_INTERVAL_MS) return;
    this.#lastKeyframeRequestMs.set(layer, now);
    // sendRtcpPLI catches and logs its own errors.
    void this.#receiver.sendRtcpPLI(layer.ssrc);
  }
}
