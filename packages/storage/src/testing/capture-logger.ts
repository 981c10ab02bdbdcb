import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@egress/protocol';

/** A logger for tests that keeps every line as parsed JSON. */
export interface CapturedLogger {
  logger: Logger;
  /** Lines logged so far (pino JSON objects; `level` 40 is warn). */
  readonly lines: Record<string, unknown>[];
}

/**
 * A debug-level logger whose lines are kept in memory (and echoed to stderr when `LOG_LEVEL`
 * is set), so tests can assert on retries and warnings.
 */
export function captureLogger(): CapturedLogger {
  const lines: Record<string, unknown>[] = [];
  const echo = process.env.LOG_LEVEL !== undefined;
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        lines.push(JSON.parse(line) as Record<string, unknown>);
        if (echo) process.stderr.write(`${line}\n`);
      }
      done();
    },
  });
  // pino writes synchronously to a plain Writable, so lines are there when a call returns.
  const logger = createLogger({ service: 'test', level: 'debug', destination });
  return { logger, lines };
}
