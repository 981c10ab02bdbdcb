import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EgressError, type Logger } from '@egress/protocol';
import { type DisplaySize, fitsDisplay } from './display-size.js';
import type { ChildMessage, PrepareMessage } from './ipc-messages.js';
import { killProcessGroups } from './kill-process-groups.js';

/** Options of {@link WarmPool}. */
export interface WarmPoolOptions {
  /** Warm processes to keep (`warm_pool_size`); 0 keeps none. */
  size: number;
  /** Display size warm processes get until a job asks for another one. */
  display: DisplaySize;
  /** Forks a new egress process, leading its own process group. */
  fork: () => ChildProcess;
  /** The `prepare` message for a new warm process, without its id and display. */
  prepare: Omit<PrepareMessage, 'type' | 'warmId' | 'display'>;
  logger: Logger;
  /** Whether one more warm process may start now (admission, draining). @defaultValue always */
  mayStart?: () => boolean;
  /** How long a warm process may take to get ready before it is killed. @defaultValue 60000 */
  readyTimeoutMs?: number;
  /** First wait before replacing a process that died; doubled per death in a row. @defaultValue 1000 */
  retryDelayMs?: number;
  /** How long {@link WarmPool.close} waits for a process to close its browser. @defaultValue 10000 */
  closeDeadlineMs?: number;
}

/** A warm egress process handed to a job: its display, sink and browser wait for `start`. */
export interface WarmProcess {
  readonly warmId: string;
  readonly child: ChildProcess;
  /** Its pid, which is also its process group. */
  readonly pid: number;
  /** Process groups it started outside its own (Chromium). */
  readonly pgids: readonly number[];
  readonly display: DisplaySize;
}

interface Entry {
  warmId: string;
  child: ChildProcess;
  pid: number;
  display: DisplaySize;
  isReady: boolean;
  pgids: number[];
  readyTimer: NodeJS.Timeout;
  exited: Promise<void>;
  onMessage: (message: ChildMessage) => void;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

const MAX_RETRY_DELAY_MS = 60_000;

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.connected;
}

/**
 * Egress processes started ahead of their job (`warm_pool_size`): each has its Xvfb display,
 * PulseAudio sink and Chromium on `about:blank` ready, so a job skips their start. A job takes
 * a ready one whose display fits ({@link WarmPool.take}); it is never given back (a used
 * browser may carry state). The pool refills when told ({@link WarmPool.refill}), so a refill
 * does not compete with the start it serves. A warm process that dies is replaced, after a
 * backoff when they die in a row; a job asking for another display size makes that the size
 * of the next warm processes and retires the others.
 */
export class WarmPool {
  readonly #options: WarmPoolOptions;
  readonly #log: Logger;
  readonly #entries = new Map<string, Entry>();
  #display: DisplaySize;
  #deathsInRow = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(options: WarmPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 0) {
      throw EgressError.invalidArgument(`size must be a whole number ≥ 0, got ${options.size}`);
    }
    this.#options = options;
    this.#log = options.logger.child({ component: 'warm-pool' });
    this.#display = { ...options.display };
  }

  /** Ids (their sink names) and pids of the ready warm processes. */
  ready(): Array<{ warmId: string; pid: number }> {
    return [...this.#entries.values()]
      .filter((e) => e.isReady)
      .map((e) => ({ warmId: e.warmId, pid: e.pid }));
  }

  /** Every process group of every warm process (CPU measurement, leak checks). */
  processGroups(): number[] {
    return [...this.#entries.values()].flatMap((e) => [e.pid, ...e.pgids]);
  }

  /**
   * Takes a ready, live warm process whose display fits `wanted` (`undefined`: any), or none.
   * When none fits a size, that size becomes the pool's and warm processes of another size
   * are retired; the next {@link WarmPool.refill} starts them at the new size.
   */
  take(wanted: DisplaySize | undefined): WarmProcess | undefined {
    if (this.#isClosed) return undefined;
    for (const entry of this.#entries.values()) {
      if (!entry.isReady || !isAlive(entry.child) || !fitsDisplay(entry.display, wanted)) continue;
      this.#forget(entry);
      this.#log.debug({ warmId: entry.warmId, pid: entry.pid }, 'warm egress process taken');
      return {
        warmId: entry.warmId,
        child: entry.child,
        pid: entry.pid,
        pgids: [...entry.pgids],
        display: entry.display,
      };
    }
    if (wanted && !fitsDisplay(this.#display, wanted)) {
      this.#log.info({ from: this.#display, to: wanted }, 'warm display size changed');
      this.#display = { ...wanted };
      for (const entry of [...this.#entries.values()]) {
        if (!fitsDisplay(entry.display, wanted)) void this.#retire(entry);
      }
    }
    return undefined;
  }

  /** Starts warm processes until there are `size` (ready or starting), while allowed. */
  refill(): void {
    if (this.#isClosed || this.#retryTimer) return;
    const mayStart = this.#options.mayStart ?? (() => true);
    while (!this.#retryTimer && this.#entries.size < this.#options.size && mayStart()) {
      this.#start();
    }
  }

  /** Closes every warm process (browser, display and sink) and waits for them. Idempotent. */
  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await Promise.all([...this.#entries.values()].map((entry) => this.#retire(entry)));
  }

  #start(): void {
    const warmId = `EGW_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const child = this.#options.fork();
    const pid = child.pid;
    if (pid === undefined) {
      // a failed fork emits 'error' and no pid; count it as a death so retries back off
      child.once('error', (err) => this.#log.warn({ err }, 'warm egress process did not fork'));
      this.#scheduleRetry();
      return;
    }
    const display = { ...this.#display };
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const entry: Entry = {
      warmId,
      child,
      pid,
      display,
      isReady: false,
      pgids: [],
      exited,
      readyTimer: setTimeout(() => {
        this.#log.warn({ warmId, pid }, 'warm egress process not ready in time, killing it');
        killProcessGroups([pid]);
      }, this.#options.readyTimeoutMs ?? 60_000),
      onMessage: (message) => {
        if (message.type !== 'ready') return;
        clearTimeout(entry.readyTimer);
        entry.isReady = true;
        entry.pgids = message.pgids;
        this.#deathsInRow = 0;
        this.#log.debug({ warmId, pid, display }, 'warm egress process ready');
      },
      onExit: (code, signal) => {
        this.#forget(entry);
        killProcessGroups([pid, ...entry.pgids]); // its Xvfb and Chromium, if it left them
        if (this.#isClosed) return;
        this.#log.warn({ warmId, pid, code, signal }, 'warm egress process died');
        this.#scheduleRetry();
      },
    };
    child.on('message', entry.onMessage);
    child.once('exit', entry.onExit);
    this.#entries.set(warmId, entry);
    const message: PrepareMessage = { type: 'prepare', warmId, display, ...this.#options.prepare };
    child.send(message, (err: Error | null) => {
      if (err) this.#log.warn({ err, warmId }, 'could not send prepare to a warm egress process');
    });
  }

  /** Drops the pool's hold on a process: its listeners and timer. */
  #forget(entry: Entry): void {
    clearTimeout(entry.readyTimer);
    entry.child.off('message', entry.onMessage);
    entry.child.off('exit', entry.onExit);
    this.#entries.delete(entry.warmId);
  }

  /** Asks a process to close its browser, display and sink (SIGTERM); SIGKILL at the deadline. */
  async #retire(entry: Entry): Promise<void> {
    this.#forget(entry);
    const groups = [entry.pid, ...entry.pgids];
    entry.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.#options.closeDeadlineMs ?? 10_000);
    });
    const result = await Promise.race([entry.exited, deadline]);
    clearTimeout(timer);
    if (result === 'late') this.#log.warn({ warmId: entry.warmId }, 'warm egress process killed');
    killProcessGroups(groups);
    await entry.exited;
  }

  /** Refills after a death, waiting longer for each death in a row (a browser that cannot start). */
  #scheduleRetry(): void {
    this.#deathsInRow += 1;
    if (this.#retryTimer || this.#isClosed) return;
    const delayMs = Math.min(
      (this.#options.retryDelayMs ?? 1000) * 2 ** (this.#deathsInRow - 1),
      MAX_RETRY_DELAY_MS,
    );
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.refill();
    }, delayMs);
  }
}
