import type { Logger } from '@egress/protocol';
import { createLogger } from '@egress/protocol';

/** The logger tests pass down: silent unless `LOG_LEVEL` is set (CONVENTIONS.md §7). */
export function testLogger(service = 'bridge-test'): Logger {
  return createLogger({ service, level: process.env.LOG_LEVEL ?? 'silent' });
}
