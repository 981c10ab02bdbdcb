import type { EgressInfo, WebhookConfig } from '@livekit/protocol';
import { requestWebhooks } from '../webhooks/webhook-notifier.js';

/**
 * The info to send livekit-server over IOInfo, with its request webhooks' `signing_key` as the
 * request had it. Stored infos read `{signing_key}`, but livekit-server sends the request's
 * webhooks itself and signs each with the secret of the API key its `signing_key` names
 * (livekit/protocol webhook/notifier.go `QueueNotify`): a placeholder there has no secret, and
 * the hook is never called. Go's egress reports the request as it came, and livekit-server had
 * these keys in the request already. `hooks` are the request's own webhooks, in order; a hook
 * whose URL does not match its counterpart is left as stored.
 */
export function withRequestSigningKeys(
  info: EgressInfo,
  hooks: readonly WebhookConfig[] | undefined,
): EgressInfo {
  if (!hooks?.some((hook) => hook.signingKey !== '')) return info;
  const copy = info.clone();
  requestWebhooks(copy).forEach((hook, i) => {
    const original = hooks[i];
    if (original && original.url === hook.url) hook.signingKey = original.signingKey;
  });
  return copy;
}
