import type { Logger } from '@egress/protocol';

export interface HandleShutdownOptions {
  logger: Logger;
  /** How long the first signal lets running work finish before the process is forced out. */
  graceMs: number;
  /** Stops intake and waits for running work; must be idempotent. */
  close: () => Promise<void>;
  /** The process to watch. @defaultValue process */
  proc?: NodeJS.Process;
}

/**
 * Wires SIGTERM/SIGINT: the first signal calls `close` and exits 0 when it resolves (1 if it
 * throws); a second signal or the grace deadline exits 1 at once. An unhandled rejection is
 * logged as fatal and exits 1.
 */
export function handleShutdown(options: HandleShutdownOptions): void {
  const { logger, graceMs, close } = options;
  const proc = options.proc ?? process;
  let isClosing = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (isClosing) {
      logger.warn({ signal }, 'second signal, exiting now');
      proc.exit(1);
      return;
    }
    isClosing = true;
    logger.info({ signal, graceMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown grace period over, exiting');
      proc.exit(1);
    }, graceMs);
    timer.unref();
    close().then(
      () => {
        logger.info('shutdown complete');
        proc.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        proc.exit(1);
      },
    );
  };

  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);
  proc.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection');
    proc.exit(1);
  });
}
