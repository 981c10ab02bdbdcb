import { EgressError, mintEgressToken } from '@egress/protocol';

/** Options of {@link templateUrl}. */
export interface TemplateUrlOptions {
  /** `template_base` from config, or the request's `custom_base_url`; may carry its own query. */
  baseUrl: string;
  /** The request's layout (may be empty). */
  layout: string;
  /** Room join token. A secret: never log the URL this builds. */
  token: string;
  /** LiveKit server URL (config `ws_url`). */
  wsUrl: string;
}

/** Go's `url.QueryEscape`: like encodeURIComponent, but `!'()*` escaped and space as `+`. */
function goQueryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * The room composite page URL, as Go builds it: the base URL's own query plus `layout`, `token`
 * and `url` (each replacing a value the base had), keys sorted and values escaped like Go's
 * `url.Values.Encode`, so `<base>?layout=<l>&token=<jwt>&url=<ws_url>`. The rest of the base
 * (scheme, host, path, fragment) is kept as written.
 * @throws EgressError `invalid_argument` when the base is not an http(s) or file URL.
 */
export function templateUrl(options: TemplateUrlOptions): string {
  let parsed: URL;
  try {
    parsed = new URL(options.baseUrl);
  } catch {
    throw EgressError.invalidArgument(
      `template base url ${JSON.stringify(options.baseUrl)} is not a valid URL`,
    );
  }
  if (!['http:', 'https:', 'file:'].includes(parsed.protocol)) {
    throw EgressError.invalidArgument(
      `template base url must be http, https or file, got ${parsed.protocol.replace(':', '')}`,
    );
  }
  const hashAt = options.baseUrl.indexOf('#');
  const fragment = hashAt >= 0 ? options.baseUrl.slice(hashAt) : '';
  const beforeFragment = hashAt >= 0 ? options.baseUrl.slice(0, hashAt) : options.baseUrl;
  const queryAt = beforeFragment.indexOf('?');
  const prefix = queryAt >= 0 ? beforeFragment.slice(0, queryAt) : beforeFragment;

  const values = new Map<string, string[]>();
  if (queryAt >= 0) {
    for (const [key, value] of new URLSearchParams(beforeFragment.slice(queryAt + 1))) {
      values.set(key, [...(values.get(key) ?? []), value]);
    }
  }
  values.set('layout', [options.layout]);
  values.set('token', [options.token]);
  values.set('url', [options.wsUrl]);
  const query = [...values.keys()]
    .sort()
    .flatMap((key) =>
      (values.get(key) ?? []).map((v) => `${goQueryEscape(key)}=${goQueryEscape(v)}`),
    )
    .join('&');
  return `${prefix}?${query}${fragment}`;
}

/** Options of {@link roomCompositeUrl}. */
export interface RoomCompositeUrlOptions {
  baseUrl: string;
  layout: string;
  wsUrl: string;
  egressId: string;
  roomName: string;
  apiKey: string;
  apiSecret: string;
  /** A token the request brought; when absent one is minted as Go does. */
  token?: string;
}

/**
 * The page URL of a room composite egress, with the recorder's token minted by
 * `mintEgressToken` (identity = egress id, hidden recorder, subscribe only, 24 h) unless the
 * request brought one. A secret: never log it.
 */
export async function roomCompositeUrl(options: RoomCompositeUrlOptions): Promise<string> {
  const token =
    options.token ||
    (await mintEgressToken({
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      egressId: options.egressId,
      roomName: options.roomName,
    }));
  return templateUrl({
    baseUrl: options.baseUrl,
    layout: options.layout,
    token,
    wsUrl: options.wsUrl,
  });
}
