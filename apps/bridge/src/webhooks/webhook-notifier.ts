import { createHash } from 'node:crypto';
import { EgressError, isFinalStatus, type Logger, newGuid } from '@egress/protocol';
import { type EgressInfo, EgressStatus, WebhookConfig, WebhookEvent } from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';

/** The egress events of LiveKit's webhooks. */
export type EgressWebhookEvent = 'egress_started' | 'egress_updated' | 'egress_ended';

/** Options of {@link WebhookNotifier}. */
export interface WebhookNotifierOptions {
  /**
   * Key named in the tokens for the configured URLs and for request webhooks without a
   * `signing_key` (config `webhook.api_key`, else `api_key`).
   */
  apiKey: string;
  /** The secret of `apiKey`. */
  apiSecret: string;
  /**
   * The key provider: the secret of the API key a request webhook's `signing_key` names, or
   * `undefined` for a key it does not know. @defaultValue knows `apiKey` only
   */
  secretOf?: (apiKey: string) => string | undefined;
  /** URLs that receive every egress event (config `webhook.urls`). @defaultValue [] */
  urls?: readonly string[];
  /** Whether the webhooks of each request (`webhooks` field) receive its events. @defaultValue true */
  perRequest?: boolean;
  /**
   * Finds an egress's request webhooks with their signing keys (stored infos hold the request
   * redacted: `{signing_key}`). Asked once per egress. @defaultValue the info's own (redacted)
   * webhooks, signed with `apiKey`
   */
  resolveRequestWebhooks?: (info: EgressInfo) => Promise<readonly WebhookConfig[]>;
  logger: Logger;
  /** Tries per event and URL, the first included. @defaultValue 3 */
  attempts?: number;
  /** Wait before the first retry, milliseconds; doubles for each next one. @defaultValue 500 */
  backoffMs?: number;
  /** How long one POST may take, milliseconds. @defaultValue 5000 */
  requestTimeoutMs?: number;
}

/** The key pair that signs a webhook's token. */
interface Signer {
  apiKey: string;
  apiSecret: string;
}

interface Target extends Signer {
  url: string;
}

/**
 * The webhook event livekit-server sends for an egress status (pkg/service/ioservice.go):
 * `egress_started` when it is created (STARTING), `egress_updated` for ACTIVE and ENDING,
 * `egress_ended` for a final status.
 */
export function webhookEventFor(status: EgressStatus): EgressWebhookEvent {
  if (isFinalStatus(status)) return 'egress_ended';
  if (status === EgressStatus.EGRESS_STARTING) return 'egress_started';
  return 'egress_updated';
}

/** The webhooks of the request an info carries (every request type has a `webhooks` field). */
export function requestWebhooks(info: EgressInfo): WebhookConfig[] {
  const value: unknown = info.request.value;
  if (typeof value !== 'object' || value === null || !('webhooks' in value)) return [];
  const hooks: unknown = value.webhooks;
  return Array.isArray(hooks) ? hooks.filter((hook) => hook instanceof WebhookConfig) : [];
}

/**
 * An info for a webhook body: a set per-request signing key reads `{signing_key}`, as in the
 * redacted infos Go egress reports (stored infos already are; this guards against any other).
 */
function withoutSigningKeys(info: EgressInfo): EgressInfo {
  const copy = info.clone();
  for (const hook of requestWebhooks(copy)) {
    if (hook.signingKey !== '') hook.signingKey = '{signing_key}';
  }
  return copy;
}

/** `origin + path` of a URL, for logs: no credentials, no query (tokens often live there). */
export function redactWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    // Not a URL: nothing of it is logged.
    return '<invalid url>';
  }
}

/**
 * The base64 of a body's sha256, the token claim `sha256` that receivers check (LiveKit's
 * `WebhookReceiver`).
 */
export function bodySha256(body: string): string {
  return createHash('sha256').update(body).digest('base64');
}

/**
 * Sends egress events in LiveKit's webhook format: a `WebhookEvent` (`id` `EV_…`, `createdAt`
 * in seconds, `egressInfo`) as protobuf JSON, `Content-Type: application/webhook+json`, and an
 * `Authorization` JWT signed with the API key whose `sha256` claim is the body's hash. Every
 * event goes to the configured URLs and to the request's own webhooks. As in livekit-server
 * (livekit/protocol `webhook.DefaultNotifier`), a request webhook's `signing_key` is the NAME
 * of the API key that signs it (the token's issuer, signed with that key's secret); an empty one
 * means `apiKey`, and one the key provider does not know sends nothing to that webhook. Each URL gets its events in order; a failed POST is retried with
 * backoff a bounded number of times, then logged at warn. {@link notify} never blocks or throws.
 */
export class WebhookNotifier {
  readonly #options: Required<
    Omit<WebhookNotifierOptions, 'logger' | 'resolveRequestWebhooks' | 'secretOf'>
  >;
  readonly #secretOf: (apiKey: string) => string | undefined;
  readonly #resolve: (info: EgressInfo) => Promise<readonly WebhookConfig[]>;
  /** Each egress's request webhooks (resolved once), kept until its `egress_ended` is queued. */
  readonly #requestHooks = new Map<string, Promise<readonly WebhookConfig[]>>();
  readonly #log: Logger;
  /** The tail of each URL's send chain (events to one URL go out in order). */
  readonly #chains = new Map<string, Promise<void>>();
  /** Egresses whose `egress_started` went out; an egress's STARTING updates send nothing more. */
  readonly #started = new Set<string>();
  #isClosed = false;

  constructor(options: WebhookNotifierOptions) {
    const attempts = options.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1) {
      throw EgressError.invalidArgument('attempts: must be an integer of at least 1');
    }
    this.#options = {
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      urls: options.urls ?? [],
      perRequest: options.perRequest ?? true,
      attempts,
      backoffMs: options.backoffMs ?? 500,
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
    };
    this.#secretOf =
      options.secretOf ?? ((key) => (key === options.apiKey ? options.apiSecret : undefined));
    this.#log = options.logger.child({ component: 'webhooks' });
    this.#resolve =
      options.resolveRequestWebhooks ?? (async (info) => this.#withoutPlaceholders(info));
  }

  /** The info listener: sends the event this change means, if any, without waiting. */
  readonly notify = (info: EgressInfo): void => {
    if (this.#isClosed) return;
    const event = webhookEventFor(info.status);
    if (event === 'egress_started') {
      if (this.#started.has(info.egressId)) return;
      this.#started.add(info.egressId);
    } else if (event === 'egress_ended') {
      this.#started.delete(info.egressId);
    }
    this.send(event, info);
  };

  /**
   * Queues one event for every target: the configured URLs, and the request's webhooks (one
   * chain per egress, since they are resolved asynchronously).
   */
  send(event: EgressWebhookEvent, info: EgressInfo): void {
    const requestHooks = this.#requestHooksOf(info, event);
    if (this.#options.urls.length === 0 && requestHooks === undefined) return;
    const body = new WebhookEvent({
      event,
      egressInfo: withoutSigningKeys(info),
      id: newGuid('EV_'),
      createdAt: BigInt(Math.floor(Date.now() / 1000)),
    }).toJsonString();
    const { egressId } = info;
    const { urls } = this.#options;
    const configured = urls.length > 0 ? this.#signerOf('', event, egressId) : undefined;
    if (configured) {
      for (const url of urls) {
        this.#enqueue(url, () => this.#deliver({ url, ...configured }, body, event, egressId));
      }
    }
    if (requestHooks !== undefined) {
      this.#enqueue(`egress:${egressId}`, async () => {
        const hooks = await requestHooks;
        for (const hook of hooks) {
          if (!hook.url) continue;
          const signer = this.#signerOf(hook.signingKey, event, egressId, hook.url);
          if (signer) await this.#deliver({ url: hook.url, ...signer }, body, event, egressId);
        }
      });
    }
  }

  /**
   * The key pair for a `signing_key` (empty: `apiKey`), as livekit-server picks it; `undefined`
   * (logged at warn, naming neither the key nor a secret) when that key has no known secret.
   */
  #signerOf(
    signingKey: string,
    event: EgressWebhookEvent,
    egressId: string,
    url?: string,
  ): Signer | undefined {
    const apiKey = signingKey || this.#options.apiKey;
    const apiSecret = signingKey ? this.#secretOf(signingKey) : this.#options.apiSecret;
    if (apiKey && apiSecret) return { apiKey, apiSecret };
    const where = url === undefined ? {} : { url: redactWebhookUrl(url) };
    this.#log.warn(
      { event, egressId, ...where },
      signingKey
        ? 'request webhook not sent: its signing_key names no known API key (it must name an API key, not hold a secret)'
        : 'webhook not sent: api_key/api_secret unset',
    );
    return undefined;
  }

  #requestHooksOf(
    info: EgressInfo,
    event: EgressWebhookEvent,
  ): Promise<readonly WebhookConfig[]> | undefined {
    if (!this.#options.perRequest || requestWebhooks(info).length === 0) return undefined;
    let hooks = this.#requestHooks.get(info.egressId);
    if (!hooks) {
      hooks = this.#resolve(info).catch((err: unknown) => {
        // Going on is safe: the hooks still get events, signed with `apiKey`.
        this.#log.warn({ err, egressId: info.egressId }, 'request webhooks not resolved');
        return this.#withoutPlaceholders(info);
      });
      this.#requestHooks.set(info.egressId, hooks);
    }
    if (event === 'egress_ended') this.#requestHooks.delete(info.egressId);
    return hooks;
  }

  /** The info's own request webhooks; a redacted signing key (`{signing_key}`) is dropped. */
  #withoutPlaceholders(info: EgressInfo): WebhookConfig[] {
    return requestWebhooks(info.clone()).map((hook) => {
      if (hook.signingKey.startsWith('{')) hook.signingKey = '';
      return hook;
    });
  }

  /** Runs `task` after the earlier tasks of `key`; the chain never rejects. */
  #enqueue(key: string, task: () => Promise<void>): void {
    const next = (this.#chains.get(key) ?? Promise.resolve()).then(task).catch((err: unknown) => {
      this.#log.warn({ err }, 'webhook task failed');
    });
    this.#chains.set(key, next);
    void next.finally(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
  }

  /** Stops taking events and waits for the queued ones (each ends after its bounded retries). */
  async close(): Promise<void> {
    this.#isClosed = true;
    await Promise.allSettled([...this.#chains.values()]);
  }

  /** POSTs one body to one target with retries; never rejects. */
  async #deliver(
    target: Target,
    body: string,
    event: EgressWebhookEvent,
    egressId: string,
  ): Promise<void> {
    const { attempts, backoffMs } = this.#options;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.#post(target, body);
        return;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        if (attempt < attempts) {
          await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
        }
      }
    }
    // Going on is safe: a webhook is a notification; the egress's state lives in Redis.
    this.#log.warn(
      { event, egressId, url: redactWebhookUrl(target.url), attempts, reason: lastError },
      'webhook not delivered',
    );
  }

  async #post(target: Target, body: string): Promise<void> {
    const token = new AccessToken(target.apiKey, target.apiSecret, { ttl: '5m' });
    token.sha256 = bodySha256(body);
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/webhook+json',
        Authorization: await token.toJwt(),
      },
      body,
      signal: AbortSignal.timeout(this.#options.requestTimeoutMs),
    });
    // The body is drained so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  }
}
