import type { Config } from './config-schema.js';

/**
 * Field names (camelCase, at any depth of {@link Config}) whose values are secrets. S3 and
 * AliOSS access keys are listed too: they are half of a credential pair.
 */
export const CONFIG_SECRET_KEYS: readonly string[] = Object.freeze([
  'apiSecret',
  'password',
  'sentinelPassword',
  'secret',
  'sessionToken',
  'accessKey',
  'accountKey',
  'credentialsJson',
  's3AssumeRoleKey',
  's3AssumeRoleSecret',
]);

const SECRET_KEYS = new Set(CONFIG_SECRET_KEYS);

/** What a secret value is replaced with. */
const REDACTED = '[redacted]';

/**
 * A deep copy of the config for a debug log line: every non-empty secret field (see
 * {@link CONFIG_SECRET_KEYS}) becomes `'[redacted]'`, and user info in any URL-valued string
 * (`https://user:pass@host`) is redacted too. Empty secrets stay empty, so the line still shows
 * which ones are unset.
 */
export function redactConfig(config: Config): unknown {
  return redactValue(config, undefined);
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') {
    if (key !== undefined && SECRET_KEYS.has(key) && value !== '') return REDACTED;
    return redactUrlUserInfo(value);
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, undefined));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  return value;
}

function redactUrlUserInfo(value: string): string {
  if (!value.includes('@') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.username === '' && url.password === '') return value;
    url.username = REDACTED;
    url.password = '';
    return url.toString();
  } catch {
    // Not a URL after all; nothing to redact in it.
    return value;
  }
}
