import { EgressError } from '../errors.js';

/** Transport of a stream URL. */
export type StreamUrlProtocol = 'rtmp' | 'srt' | 'websocket';

/** A validated stream URL. */
export interface ParsedStreamUrl {
  protocol: StreamUrlProtocol;
  /** The URL to connect to: `mux://` and `twitch://` are expanded to their RTMPS ingest. */
  url: string;
  /** The same URL with its secrets replaced, for logs and `StreamInfo.url`. */
  redacted: string;
}

/** Longest stream URL accepted; real ingest URLs are a few hundred characters. */
export const MAX_STREAM_URL_CHARS = 4096;

/** Mux's global RTMPS ingest (pkg/config/urls.go). */
export const MUX_INGEST_PREFIX = 'rtmps://global-live.mux.com:443/app/';
/**
 * Twitch's global RTMPS ingest. Go asks `ingest.twitch.tv/ingests` over HTTP for the closest
 * ingest; we cannot reach the network at validation time, so `twitch://<key>` always maps here
 * (Twitch routes it to the nearest ingest itself).
 */
export const TWITCH_INGEST_PREFIX = 'rtmps://live.twitch.tv:443/app/';

const SCHEMES: Readonly<Record<string, StreamUrlProtocol>> = {
  rtmp: 'rtmp',
  rtmps: 'rtmp',
  mux: 'rtmp',
  twitch: 'rtmp',
  srt: 'srt',
  ws: 'websocket',
  wss: 'websocket',
};

// The RTMP shape Go accepts: rtmp(s)://{host}(/{path})/{app}/{stream_key}( live=1). The greedy
// groups make the key the last path segment and the app the one before it.
const RTMP_PATTERN = /^(rtmps?:\/\/)(.*\/)(.*\/)(\S*)( live=1)?$/;
const SCHEME_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// C0 controls and DEL; a space is allowed only in RTMP's " live=1" suffix.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const REDACTED = '{...}';

/**
 * Go's `utils.RedactIdentifier`: keeps up to 3 leading and trailing characters when the value
 * is at least three times as long, `{abc...xyz}`. Counts code points, not bytes, so a multi-byte
 * character is never split.
 */
export function redactIdentifier(identifier: string): string {
  const chars = Array.from(identifier);
  for (let keep = 3; keep > 0; keep--) {
    if (chars.length >= keep * 3) {
      return `{${chars.slice(0, keep).join('')}...${chars.slice(-keep).join('')}}`;
    }
  }
  return REDACTED;
}

function redactUserinfo(authorityAndRest: string): string {
  // user:password@host → user:{...}@host; the userinfo ends at the first '@' before any '/'.
  const slash = authorityAndRest.indexOf('/');
  const authority = slash === -1 ? authorityAndRest : authorityAndRest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  if (at === -1) return authorityAndRest;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const redactedUserinfo = colon === -1 ? REDACTED : `${userinfo.slice(0, colon)}:${REDACTED}`;
  return `${redactedUserinfo}${authorityAndRest.slice(at)}`;
}

function redactQuery(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = url.slice(q + 1);
  if (params === '') return url;
  const redacted = params
    .split('&')
    .map((param) => {
      const eq = param.indexOf('=');
      if (eq === -1) return param === '' ? param : REDACTED;
      return eq === param.length - 1 ? param : `${param.slice(0, eq)}=${REDACTED}`;
    })
    .join('&');
  return `${url.slice(0, q)}?${redacted}`;
}

/**
 * Redacts the secrets of a stream URL for logs, `StreamInfo.url` and error messages. This is the
 * one redaction helper for stream and websocket URLs in the codebase.
 *
 * - `mux://key`, `twitch://key` → `mux://{abc...xyz}` (Go's format);
 * - RTMP `rtmp(s)://host/app/key` → `rtmp(s)://host/app/{abc...xyz}`;
 * - SRT and websocket URLs have each query value (`streamid`, `passphrase`, tokens) replaced by
 *   `{...}`, a bare parameter too;
 * - any other URL (an rtmp URL of the wrong shape, an unknown scheme) keeps only scheme and host;
 * - a `user:password@` userinfo becomes `user:{...}@` everywhere;
 * - text that is not a URL, or is longer than {@link MAX_STREAM_URL_CHARS}, becomes `{...}`.
 *
 * Never throws and never returns the secret.
 */
export function redactStreamUrl(url: unknown): string {
  if (typeof url !== 'string' || url.length > MAX_STREAM_URL_CHARS) return REDACTED;
  const scheme = SCHEME_PATTERN.exec(url)?.[1];
  if (scheme === undefined) return REDACTED;
  const prefix = `${scheme}://`;
  const rest = url.slice(prefix.length);

  const lower = scheme.toLowerCase();
  if (lower === 'mux' || lower === 'twitch') {
    // The whole authority is the stream key (protocol utils.RedactStreamKey).
    return /^\S+$/.test(rest) ? `${prefix}${redactIdentifier(rest)}` : `${prefix}${REDACTED}`;
  }

  const rtmp = RTMP_PATTERN.exec(url);
  if (rtmp) {
    const [, schemePart = '', hostPart = '', appPart = '', key = '', live = ''] = rtmp;
    return `${schemePart}${redactUserinfo(hostPart)}${appPart}${redactIdentifier(key)}${live}`;
  }
  if (lower === 'srt' || lower === 'ws' || lower === 'wss') {
    return `${prefix}${redactUserinfo(redactQuery(rest))}`;
  }
  // An rtmp URL of the wrong shape or an unknown scheme: the key could be anywhere after the host.
  const host = rest.split(/[/?#\s]/, 1)[0] ?? '';
  return host.length === rest.length
    ? `${prefix}${redactUserinfo(host)}`
    : `${prefix}${redactUserinfo(host)}/${REDACTED}`;
}

function invalidUrl(url: string, reason: string): EgressError {
  // Go's text is `invalid url <url>: <reason>` with the raw URL; we only ever show it redacted.
  return EgressError.invalidArgument(`invalid url ${redactStreamUrl(url)}: ${reason}`);
}

function checkHostAndPort(url: string, requirePort: boolean, shape: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // WHATWG URL refused it: report the shape we want instead of its message.
    throw invalidUrl(url, `expected ${shape}`);
  }
  if (parsed.hostname === '') throw invalidUrl(url, `missing host; expected ${shape}`);
  if (requirePort && parsed.port === '') throw invalidUrl(url, `missing port; expected ${shape}`);
}

/**
 * Validates one stream URL and expands the shorthands (pkg/config/urls.go):
 * - `rtmp(s)://host(:port)(/path)/app/key( live=1)`; the key must not be empty;
 * - `mux://<key>` → `rtmps://global-live.mux.com:443/app/<key>`;
 * - `twitch://<key>` → `rtmps://live.twitch.tv:443/app/<key>` (see {@link TWITCH_INGEST_PREFIX});
 * - `srt://host:port(?streamid=...&passphrase=...)`;
 * - `ws(s)://host/...` (websocket, for v2 and track requests; the caller decides if allowed).
 *
 * @param protocol the transport the output asked for; the URL's scheme must match it.
 * @throws EgressError `invalid_argument` with the redacted URL and the expected shape.
 */
export function parseStreamUrl(url: string, protocol?: StreamUrlProtocol): ParsedStreamUrl {
  if (typeof url !== 'string' || url === '') {
    throw EgressError.invalidArgument(
      'request has missing or invalid field: stream url (set a rtmp://, rtmps://, srt:// or ws(s):// url)',
    );
  }
  if (url.length > MAX_STREAM_URL_CHARS) {
    throw invalidUrl(url, `longer than ${MAX_STREAM_URL_CHARS} characters`);
  }
  if (CONTROL_CHARS.test(url)) throw invalidUrl(url, 'contains control characters');

  const scheme = SCHEME_PATTERN.exec(url)?.[1];
  const detected = scheme === undefined ? undefined : SCHEMES[scheme.toLowerCase()];
  if (detected === undefined) {
    throw invalidUrl(
      url,
      'invalid protocol; use rtmp://, rtmps://, mux://, twitch://, srt://, ws:// or wss://',
    );
  }
  if (protocol !== undefined && detected !== protocol) {
    throw invalidUrl(url, `invalid scheme for a ${protocol} output`);
  }

  if (detected === 'rtmp') {
    const lower = (scheme ?? '').toLowerCase();
    let target = url;
    if (lower === 'mux' || lower === 'twitch') {
      const key = url.slice(lower.length + 3);
      if (!/^[^\s/?#]+$/.test(key)) throw invalidUrl(url, `expected ${lower}://<stream_key>`);
      target = (lower === 'mux' ? MUX_INGEST_PREFIX : TWITCH_INGEST_PREFIX) + key;
    }
    const shape = 'rtmp(s)://{host}(/{path})/{app}/{stream_key}( live=1)';
    const match = RTMP_PATTERN.exec(target);
    if (!match) throw invalidUrl(url, `rtmp urls must be of format ${shape}`);
    const [, , hostPart = '', , key = ''] = match;
    if (key === '') throw invalidUrl(url, `missing stream key; expected ${shape}`);
    if (hostPart.startsWith('/') || hostPart.includes(' ')) {
      throw invalidUrl(url, `missing host; expected ${shape}`);
    }
    checkHostAndPort(target.replace(/ live=1$/, ''), false, shape);
    return { protocol: 'rtmp', url: target, redacted: redactStreamUrl(target) };
  }

  if (url.includes(' ')) throw invalidUrl(url, 'contains spaces');
  if (detected === 'srt') {
    checkHostAndPort(url, true, 'srt://{host}:{port}(?streamid=...&passphrase=...)');
  } else {
    checkHostAndPort(url, false, 'ws(s)://{host}(:{port})/{path}');
  }
  return { protocol: detected, url, redacted: redactStreamUrl(url) };
}
