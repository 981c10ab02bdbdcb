import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EgressError, type Logger } from '@egress/protocol';
import puppeteer, { type Browser, type ConsoleMessage, type Page } from 'puppeteer-core';
import { type ChromeFlags, chromeArgs, defaultArgsToIgnore } from './chrome-args.js';
import { CHROME_AUDIO_LATENCY_MS, EGRESS_CONSOLE_PREFIX } from './room-playout.js';

/** Options of {@link ChromiumPage.launch}. */
export interface ChromiumPageOptions {
  /** X display of the window, e.g. `:123`. */
  display: string;
  /** PulseAudio sink Chromium plays into (`PULSE_SINK`). */
  pulseSink: string;
  /** Window size in pixels; the same as the display. */
  width: number;
  height: number;
  logger: Logger;
  /** @defaultValue '/usr/bin/chromium' */
  executablePath?: string;
  /** Config `enable_chrome_sandbox`. @defaultValue false */
  enableSandbox?: boolean;
  /** Web egress `insecure`. @defaultValue false */
  insecure?: boolean;
  /** Config `chrome_flags`. */
  chromeFlags?: ChromeFlags;
  /** How long Chromium may take to start and answer. @defaultValue 30000 */
  launchTimeoutMs?: number;
  /**
   * Base environment of Chromium (DISPLAY, PULSE_SINK and PULSE_LATENCY_MSEC, see
   * `CHROME_AUDIO_LATENCY_MS`, are set on top). @defaultValue process.env
   */
  env?: NodeJS.ProcessEnv;
}

/** Options of {@link ChromiumPage.load}. */
export interface PageLoadOptions {
  /**
   * Logs from here on go through this logger (a warm browser launched before its egress was
   * known gets the egress's logger here). @defaultValue the launch logger
   */
  logger?: Logger;
  /**
   * JavaScript to run in the page before its own scripts, on every document it loads (a room
   * page gets `ROOM_PLAYOUT_SCRIPT`).
   */
  initScript?: string;
  /** One navigation try, as Go's. @defaultValue 30000 */
  navigationTimeoutMs?: number;
  /** Navigation tries; only timeouts and transient network errors are retried. @defaultValue 3 */
  navigationAttempts?: number;
}

/** The console strings a page logs to start and end the recording (@livekit/egress-sdk). */
export const START_RECORDING = 'START_RECORDING';
export const END_RECORDING = 'END_RECORDING';

/** Navigation errors Go retries (besides timeouts). */
const RETRIED_NET_ERRORS = ['ERR_CONNECTION_CLOSED', 'ERR_CERT_VERIFIER_CHANGED'];
const CLOSE_DEADLINE_MS = 5_000;
const ERROR_TEXT_SCRIPT = `(() => {
  const el = document.querySelector('div.error');
  return el ? (el.innerText ?? el.textContent ?? '') : '';
})()`;

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function isProcessGone(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ESRCH';
}

/**
 * Chromium on an X display showing one page, driven by puppeteer-core over a pipe (no DevTools
 * port). It reports the page's `START_RECORDING` / `END_RECORDING` console signals (a console
 * argument equal to the string, as Go's `Runtime.consoleAPICalled` check), a crash or an
 * unexpected exit of the browser, and the first uncaught page exception (Go puts it in
 * `EgressInfo.details`).
 */
export class ChromiumPage {
  /** Resolves at the first `START_RECORDING`; never rejects. */
  readonly startSignal: Promise<void>;
  /** Resolves at the first `END_RECORDING`; never rejects. */
  readonly endSignal: Promise<void>;
  /** Resolves when the page crashed or the browser went away while not being closed. */
  readonly failure: Promise<EgressError>;
  readonly #browser: Browser;
  readonly #page: Page;
  readonly #userDataDir: string;
  #log: Logger;
  readonly #signals = {
    start: deferred<void>(),
    end: deferred<void>(),
    failure: deferred<EgressError>(),
  };
  #firstException: string | undefined;
  #isClosing = false;
  #closing: Promise<void> | undefined;

  private constructor(browser: Browser, page: Page, userDataDir: string, log: Logger) {
    this.#browser = browser;
    this.#page = page;
    this.#userDataDir = userDataDir;
    this.#log = log;
    this.startSignal = this.#signals.start.promise;
    this.endSignal = this.#signals.end.promise;
    this.failure = this.#signals.failure.promise;
    page.on('console', (msg) => this.#onConsole(msg));
    page.on('pageerror', (err: unknown) => {
      const text = err instanceof Error ? err.message : String(err);
      this.#log.debug({ exception: text }, 'chrome exception');
      this.#firstException ??= `Uncaught chrome exception: ${text}`;
    });
    page.on('error', (err) => {
      this.#log.warn({ err }, 'chrome page crashed');
      this.#signals.failure.resolve(EgressError.internal('chrome page crashed', err));
    });
    browser.on('disconnected', () => {
      if (this.#isClosing) return;
      this.#log.warn('chrome exited unexpectedly');
      this.#signals.failure.resolve(EgressError.internal('chrome exited unexpectedly'));
    });
  }

  /**
   * Launches Chromium on the display, showing `about:blank` until {@link ChromiumPage.load}; it
   * already reports a crash or an unexpected exit through {@link ChromiumPage.failure}.
   * @throws EgressError `internal` "chrome failed to start: ..." when Chromium does not start.
   */
  static async launch(options: ChromiumPageOptions): Promise<ChromiumPage> {
    const log = options.logger.child({ component: 'chrome' });
    const { args, removed } = chromeArgs(options);
    const userDataDir = await mkdtemp(join(tmpdir(), 'egress-chrome-'));
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        executablePath: options.executablePath ?? '/usr/bin/chromium',
        headless: false,
        defaultViewport: null,
        pipe: true,
        userDataDir,
        args,
        ignoreDefaultArgs: [
          '--enable-automation',
          ...defaultArgsToIgnore(puppeteer.defaultArgs({ headless: false }), removed),
        ],
        env: {
          ...(options.env ?? process.env),
          DISPLAY: options.display,
          PULSE_SINK: options.pulseSink,
          PULSE_LATENCY_MSEC: String(CHROME_AUDIO_LATENCY_MS),
        },
        timeout: options.launchTimeoutMs ?? 30_000,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (err) {
      await rm(userDataDir, { recursive: true, force: true });
      throw EgressError.internal(
        `chrome failed to start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        err,
      );
    }
    try {
      // the kiosk window's first tab; a new page would open a second window
      const page = (await browser.pages())[0] ?? (await browser.newPage());
      return new ChromiumPage(browser, page, userDataDir, log);
    } catch (err) {
      await ChromiumPage.#closeBrowser(browser, userDataDir, log);
      throw EgressError.internal('chrome failed to start: no page', err);
    }
  }

  /**
   * Loads the page: 30 s per try, up to 3 tries for timeouts, `ERR_CONNECTION_CLOSED` and
   * `ERR_CERT_VERIFIER_CHANGED`. The browser stays open when it throws; the caller closes it.
   * @param url - may hold a token: it is never logged.
   * @throws EgressError `invalid_argument` "page load error: <status or net error>" (Go's
   * `PageLoadError` code), `invalid_argument` "template error: <text>" when the loaded page shows
   * a `div.error`.
   */
  async load(url: string, options: PageLoadOptions = {}): Promise<void> {
    if (options.logger) this.#log = options.logger.child({ component: 'chrome' });
    if (options.initScript) await this.#page.evaluateOnNewDocument(options.initScript);
    await this.#navigate(url, {
      timeoutMs: options.navigationTimeoutMs ?? 30_000,
      attempts: options.navigationAttempts ?? 3,
    });
    const errorText = await this.errorText();
    if (errorText) throw EgressError.invalidArgument(`template error: ${errorText}`);
  }

  async #navigate(url: string, o: { timeoutMs: number; attempts: number }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.#page.goto(url, { timeout: o.timeoutMs, waitUntil: 'load' });
        const status = response?.status() ?? 0;
        if (status >= 400) throw EgressError.invalidArgument(`page load error: ${status}`);
        this.#log.debug({ attempt, status }, 'page loaded');
        return;
      } catch (err) {
        if (err instanceof EgressError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        const isTimeout = err instanceof Error && err.name === 'TimeoutError';
        const netError = /net::(ERR_[A-Z0-9_]+)/.exec(message)?.[1];
        const isRetried = isTimeout || RETRIED_NET_ERRORS.includes(netError ?? '');
        // the raw message names the URL, which may hold a token: keep only the error's name
        const reason = isTimeout
          ? 'timed out'
          : netError
            ? `net::${netError}`
            : 'navigation failed';
        if (!isRetried || attempt >= o.attempts) {
          throw new EgressError('invalid_argument', `page load error: ${reason}`);
        }
        this.#log.warn({ attempt, reason }, 'page load failed, retrying');
        await sleep(500);
      }
    }
  }

  #onConsole(msg: ConsoleMessage): void {
    const text = msg.text();
    // the room page script's own warnings (ROOM_PLAYOUT_SCRIPT) say why lip sync may suffer
    if (text.startsWith(EGRESS_CONSOLE_PREFIX)) this.#log.warn({ text }, 'room page');
    else this.#log.debug({ type: msg.type(), text }, 'chrome console');
    for (const arg of msg.args()) {
      const value = arg.remoteObject();
      if (value.type !== 'string') continue;
      if (value.value === START_RECORDING) {
        this.#log.info('chrome: START_RECORDING');
        this.#signals.start.resolve();
      } else if (value.value === END_RECORDING) {
        this.#log.info('chrome: END_RECORDING');
        this.#signals.end.resolve();
      }
    }
  }

  /** The text of the page's `div.error`, or `''` when there is none (or the page is gone). */
  async errorText(): Promise<string> {
    try {
      // a string, since this package compiles without DOM types; innerText as Go reads it
      const text: unknown = await this.#page.evaluate(ERROR_TEXT_SCRIPT);
      return typeof text === 'string' ? text.trim() : '';
    } catch (err) {
      // a navigation or a closing page destroys the context; the next poll tries again
      this.#log.debug({ err }, 'div.error check failed');
      return '';
    }
  }

  /**
   * Tells the page its new layout: dispatches `egress:layout` on `window` with the layout as
   * `detail` (the templates app's `use-layout` listens for it).
   * @throws EgressError `unavailable` when the page cannot be reached (closed or navigating).
   */
  async setLayout(layout: string): Promise<void> {
    // a string, since this package compiles without DOM types; JSON.stringify quotes the layout
    const script = `window.dispatchEvent(new CustomEvent('egress:layout', { detail: ${JSON.stringify(layout)} }))`;
    try {
      await this.#page.evaluate(script);
    } catch (err) {
      throw new EgressError('unavailable', 'the page could not be told the new layout', {
        cause: err,
      });
    }
  }

  /** Go's `EgressInfo.details` text for the first uncaught page exception, if any. */
  get firstException(): string | undefined {
    return this.#firstException;
  }

  /** PID of the browser process; its children share its process group. */
  get pid(): number | undefined {
    return this.#browser.process()?.pid;
  }

  /** Closes the browser, kills what is left of its process group and removes its profile. Idempotent. */
  close(): Promise<void> {
    this.#isClosing = true;
    this.#closing ??= ChromiumPage.#closeBrowser(this.#browser, this.#userDataDir, this.#log);
    return this.#closing;
  }

  static async #closeBrowser(browser: Browser, userDataDir: string, log: Logger): Promise<void> {
    const pid = browser.process()?.pid;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), CLOSE_DEADLINE_MS);
    });
    const closed = browser.close().then(
      () => 'closed' as const,
      (err: unknown) => {
        log.debug({ err }, 'chrome close failed, killing it');
        return 'failed' as const;
      },
    );
    const result = await Promise.race([closed, deadline]);
    clearTimeout(timer);
    if (pid !== undefined) {
      // puppeteer starts Chromium detached: its pid is the group of every helper process
      try {
        process.kill(-pid, 'SIGKILL');
        if (result !== 'closed') log.warn({ pid }, 'chrome killed');
      } catch (err) {
        if (!isProcessGone(err)) log.warn({ err, pid }, 'chrome kill failed');
      }
    }
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  }
}
