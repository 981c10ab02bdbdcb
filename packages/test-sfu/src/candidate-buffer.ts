import type { RTCIceCandidateInit, RTCPeerConnection } from 'werift';
import type { TestSfuLogger } from './logger.js';

/**
 * Remote ICE candidates for one connection, held until it has a remote description: rtc-node
 * trickles publisher candidates before its offer (test-sfu.md §3.2).
 */
export class CandidateBuffer {
  readonly #pending: RTCIceCandidateInit[] = [];
  readonly #log: TestSfuLogger;

  constructor(logger: TestSfuLogger) {
    this.#log = logger;
  }

  /** Adds `candidate` to `pc` now if it can take it, else keeps it for {@link flush}. */
  async add(pc: RTCPeerConnection | undefined, candidate: RTCIceCandidateInit): Promise<void> {
    if (!pc?.remoteDescription) {
      this.#pending.push(candidate);
      return;
    }
    await this.#addTo(pc, candidate);
  }

  /** Adds every held candidate to `pc`; call after setting its remote description. */
  async flush(pc: RTCPeerConnection): Promise<void> {
    for (const candidate of this.#pending.splice(0)) await this.#addTo(pc, candidate);
  }

  async #addTo(pc: RTCPeerConnection, candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await pc.addIceCandidate(candidate);
    } catch (err) {
      // One bad candidate (e.g. an mDNS name) must not stop the others.
      this.#log.debug({ err }, 'adding a remote candidate failed');
    }
  }
}

/**
 * Reads `TrickleRequest.candidateInit` (JSON `{candidate, sdpMid, sdpMLineIndex}`); undefined for
 * malformed JSON and for the empty end-of-candidates marker.
 */
export function parseCandidateInit(json: string): RTCIceCandidateInit | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { candidate, sdpMid, sdpMLineIndex } = value as Record<string, unknown>;
  if (typeof candidate !== 'string' || candidate === '') return undefined;
  return {
    candidate,
    ...(typeof sdpMid === 'string' ? { sdpMid } : {}),
    ...(typeof sdpMLineIndex === 'number' ? { sdpMLineIndex } : {}),
  };
}
