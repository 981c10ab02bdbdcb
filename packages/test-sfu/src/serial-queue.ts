/**
 * Runs async tasks one after another in the order they were pushed. Signal messages must be
 * handled strictly in order: rtc-node trickles publisher candidates before its offer
 * (test-sfu.md §3.2 problem 1).
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();
  readonly #onError: (err: unknown) => void;

  /** @param onError called with a task's error; the queue goes on with the next task */
  constructor(onError: (err: unknown) => void) {
    this.#onError = onError;
  }

  /** Queues `task`; the returned promise settles when it has run (never rejects). */
  push(task: () => Promise<void> | void): Promise<void> {
    this.#tail = this.#tail.then(task).catch((err: unknown) => this.#onError(err));
    return this.#tail;
  }
}
