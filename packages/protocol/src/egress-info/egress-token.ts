import { AccessToken } from 'livekit-server-sdk';

/** Options of {@link mintEgressToken}. */
export interface MintEgressTokenOptions {
  /** LiveKit API key (config `api_key`). */
  apiKey: string;
  /** LiveKit API secret (config `api_secret`). */
  apiSecret: string;
  /** The egress id; it is the recorder participant's identity. */
  egressId: string;
  /** Room to join. */
  roomName: string;
  /** Validity, seconds from now. @defaultValue 86400 (24 h, as Go) */
  ttlSec?: number;
}

/** Go's `SetValidFor(24 * time.Hour)`. */
export const EGRESS_TOKEN_TTL_SEC = 24 * 60 * 60;

/**
 * A room-join token for the recorder, as Go's `egress.BuildEgressToken`: identity = egress id,
 * kind `egress`, `roomJoin` to `roomName`, `canSubscribe`, no publish and no data, hidden,
 * recorder, valid 24 h (`nbf` now). Used when the request carries no `token`. The token is a
 * secret: never log it.
 */
export async function mintEgressToken(options: MintEgressTokenOptions): Promise<string> {
  const token = new AccessToken(options.apiKey, options.apiSecret, {
    identity: options.egressId,
    ttl: options.ttlSec ?? EGRESS_TOKEN_TTL_SEC,
  });
  // The SDK writes the kind as Go's auth package does: the lowercase enum name.
  token.kind = 'egress';
  token.addGrant({
    roomJoin: true,
    room: options.roomName,
    canSubscribe: true,
    canPublish: false,
    canPublishData: false,
    hidden: true,
    recorder: true,
  });
  return token.toJwt();
}
