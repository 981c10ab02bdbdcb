// psrpc's Redis channel names: the `Legacy` form of livekit/psrpc pkg/info/channels.go
// (psrpc-wire.md §2.2). The NATS forms (`SRV.x`, `CLI.x.y.RES`) never appear on Redis.

/** The psrpc services egress takes part in, as they appear in channel names. */
export const PSRPC_SERVICES = {
  egressInternal: 'EgressInternal',
  egressHandler: 'EgressHandler',
  ioInfo: 'IOInfo',
} as const;

/** The psrpc methods egress serves or calls, as they appear in channel names. */
export const PSRPC_METHODS = {
  startEgress: 'StartEgress',
  listActiveEgress: 'ListActiveEgress',
  stopEgress: 'StopEgress',
  updateStream: 'UpdateStream',
  createEgress: 'CreateEgress',
  updateEgress: 'UpdateEgress',
  getEgress: 'GetEgress',
  listEgress: 'ListEgress',
} as const;

/**
 * The last segment of a channel name, which says what is published on it: `REQ` requests
 * (client → servers), `RCLAIM` claim responses (client → servers), `RES` responses (server →
 * client), `CLAIM` claim requests (server → client).
 */
export const CHANNEL_KINDS = ['REQ', 'RCLAIM', 'RES', 'CLAIM'] as const;

/** One of {@link CHANNEL_KINDS}. */
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** A channel name part: a string, or a list of strings (a topic) that is flattened. */
export type ChannelPart = string | readonly string[];

const LOWER_HEX_4 = 4;
const LOWER_HEX_8 = 8;
// A lone UTF-16 surrogate reaches Go as invalid UTF-8, which Go's range loop reads as U+FFFD.
const REPLACEMENT_CHARACTER = 0xfffd;

function isChannelChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x61 && c <= 0x7a)
  );
}

/**
 * Makes one channel name part safe the way psrpc does: `[0-9A-Za-z_]` stays, any other code
 * point below U+10000 becomes `u+` and 4 lower-case hex digits (`-` → `u+002d`), anything above
 * becomes `U+` and 8 hex digits (`🚀` → `U+0001f680`). A lone surrogate becomes `u+fffd`.
 */
export function sanitize(part: string): string {
  let out = '';
  for (const ch of part) {
    let c = ch.codePointAt(0) ?? REPLACEMENT_CHARACTER;
    if (isChannelChar(c)) {
      out += ch;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) c = REPLACEMENT_CHARACTER;
    out +=
      c < 0x10000
        ? `u+${c.toString(16).padStart(LOWER_HEX_4, '0')}`
        : `U+${c.toString(16).padStart(LOWER_HEX_8, '0')}`;
  }
  return out;
}

/**
 * Joins sanitised parts with `delimiter`, flattening topic lists. A delimiter is written only
 * after a part that wrote at least one character, so an empty topic (`''`, `[]` or `['']`) adds
 * no segment: `formatChannel('|', 'Svc', 'M', [''], 'REQ')` is `Svc|M|REQ`.
 */
export function formatChannel(delimiter: string, ...parts: readonly ChannelPart[]): string {
  let out = '';
  let needsDelimiter = false;
  for (const part of parts) {
    if (needsDelimiter) out += delimiter;
    const before = out.length;
    out += typeof part === 'string' ? sanitize(part) : formatChannel(delimiter, ...part);
    needsDelimiter = out.length > before;
  }
  return out;
}

/**
 * The channel a client publishes a request on and servers subscribe to:
 * `Service|Method|topic...|REQ`.
 * @param topic - the method's topic (`[egressId]`, a cluster id); empty or absent adds nothing.
 */
export function requestChannel(service: string, method: string, topic: ChannelPart = []): string {
  return formatChannel('|', service, method, topic, 'REQ');
}

/**
 * The channel a client publishes its pick of server on (a ClaimResponse):
 * `Service|Method|topic...|RCLAIM`.
 */
export function claimResponseChannel(
  service: string,
  method: string,
  topic: ChannelPart = [],
): string {
  return formatChannel('|', service, method, topic, 'RCLAIM');
}

/** The channel a server publishes responses on for one client: `Service|<clientId>|RES`. */
export function responseChannel(service: string, clientId: string): string {
  return formatChannel('|', service, clientId, 'RES');
}

/** The channel a server publishes its claims on for one client: `Service|<clientId>|CLAIM`. */
export function claimRequestChannel(service: string, clientId: string): string {
  return formatChannel('|', service, clientId, 'CLAIM');
}

/**
 * The kind of a psrpc channel name, read from its last segment, or `null` when it is none of
 * {@link CHANNEL_KINDS} (for example a stream channel `...|STR`). Sanitised parts never contain
 * `|`, so the last segment is always the kind.
 */
export function channelKindOf(channel: string): ChannelKind | null {
  const last = channel.slice(channel.lastIndexOf('|') + 1);
  return (CHANNEL_KINDS as readonly string[]).includes(last) && last !== channel
    ? (last as ChannelKind)
    : null;
}
