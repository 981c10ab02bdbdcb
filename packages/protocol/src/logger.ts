import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out as a safety net. The plan is to never log secrets; this catches
 * mistakes (a config slice or request logged whole).
 */
export const REDACTED_LOG_PATHS = [
  'apiSecret',
  'api_secret',
  'token',
  'accessToken',
  'secret',
  'password',
  'accessKey',
  'access_key',
  'accountKey',
  'account_key',
  'credentialsJson',
  'credentials_json',
  'sessionToken',
  'session_token',
  '*.apiSecret',
  '*.token',
  '*.secret',
  '*.password',
  '*.accessKey',
  '*.accountKey',
  '*.credentialsJson',
  '*.sessionToken',
  'headers.authorization',
  '*.headers.authorization',
];

export interface CreateLoggerOptions {
  /** Service name written on every line (`bridge`, `composite-worker`, ...). */
  service: string;
  /** pino level; `LOG_LEVEL` in the environment wins when the caller passes it here. @defaultValue 'info' */
  level?: string;
  /** Where lines go. @defaultValue stdout */
  destination?: NodeJS.WritableStream;
}

/** The one root logger of a process: JSON lines, secrets redacted, no transports. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const opts = {
    level: options.level ?? 'info',
    base: { service: options.service, pid: process.pid },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
