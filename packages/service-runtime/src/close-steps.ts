import type { Logger } from '@egress/protocol';

/** One step of a {@link CloseSteps}. */
export interface CloseStep {
  /** Logged with a failure (`step`). */
  name: string;
  close: () => Promise<void> | void;
}

/**
 * What a service closes, as CONVENTIONS §12 asks: steps are added in the order their parts
 * start and run in reverse, every step runs even if an earlier one fails (each failure is
 * logged with its step), and `close()` is idempotent (one promise). The bridge and both pool
 * workers (`WorkerShell`) close through it.
 */
export class CloseSteps {
  readonly #log: Logger;
  readonly #steps: CloseStep[] = [];
  #closing: Promise<void> | undefined;

  constructor(options: { logger: Logger }) {
    this.#log = options.logger;
  }

  /** Adds a step; it runs before every step added earlier. */
  add(name: string, close: () => Promise<void> | void): void {
    this.#steps.push({ name, close });
  }

  /** Runs every step once, last added first; never rejects. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const step of [...this.#steps].reverse()) {
        this.#log.debug({ step: step.name }, 'closing');
        try {
          await step.close();
        } catch (err) {
          // Every step runs even if one fails (CONVENTIONS §12); the failure is logged.
          this.#log.warn({ err, step: step.name }, 'close step failed');
        }
      }
    })();
    return this.#closing;
  }
}
