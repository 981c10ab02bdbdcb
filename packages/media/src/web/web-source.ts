import { setTimeout as sleep } from 'node:timers/promises';
import { EgressError, GO_MESSAGES, type Logger } from '@egress/protocol';
import type { ChromeFlags } from './chrome-args.js';
import { ChromiumPage } from './chromium-page.js';
import { PulseSink } from './pulse-sink.js';
import { XvfbDisplay } from './xvfb-display.js';

/** Options of {@link startWebSource}. */
export interface WebSourceOptions {
  /** Names the PulseAudio sink (as Go). */
  egressId: string;
  /** The page: a web egress's URL, or `roomCompositeUrl(...)`. May hold a token: never logged. */
  url: string;
  /** Display and window size in pixels (the encoding's size). */
  width: number;
  height: number;
  /** Xvfb bits per pixel. @defaultValue 24 */
  depth?: number;
  /**
   * Wait for the page's `START_RECORDING` (room composite always; web egress when
   * `await_start_signal`); otherwise `started` resolves once the page has loaded.
   */
  awaitStartSignal: boolean;
  /** How long after the page loaded the start signal may take. @defaultValue 30000 */
  startSignalTimeoutMs?: number;
  /**
   * How long after load a `div.error` still fails the source when the start signal came earlier
   * (or is not awaited): connection errors of a template render late. @defaultValue 5000
   */
  errorWatchMs?: number;
  /** Config `chrome_flags`. */
  chromeFlags?: ChromeFlags;
  /** Web egress `insecure`. @defaultValue false */
  insecure?: boolean;
  /** Config `enable_chrome_sandbox`. @defaultValue false */
  enableSandbox?: boolean;
  logger: Logger;
  /** @defaultValue '/usr/bin/chromium' */
  chromiumPath?: string;
  /** Environment of Chromium and pactl (`PULSE_RUNTIME_PATH` picks the daemon). @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/** Why a web source ended. */
export type WebSourceEnd =
  /** The page logged `END_RECORDING` (Go: "Source closed"): stop the pipeline, end COMPLETE. */
  | { reason: 'end-signal' }
  /** The page crashed, Chromium died, or a template error appeared after the start. */
  | { reason: 'failed'; error: EgressError }
  /** {@link WebSource.close} was called. */
  | { reason: 'closed' };

/** A page on its own display and sink, ready for `planCompositePipeline`'s x11 + pulse sources. */
export interface WebSource {
  /** X display to capture, e.g. `:123` (`{ kind: 'x11', display, width, height }`). */
  readonly display: string;
  /** PulseAudio source to record (`{ kind: 'pulse', device: pulseDevice }`): `<egressId>.monitor`. */
  readonly pulseDevice: string;
  /** The sink Chromium plays into (the egress id). */
  readonly pulseSink: string;
  /**
   * Resolves when recording should start: at `START_RECORDING`, or right away when not awaited.
   * Rejects with `aborted` "Start signal not received" (details.hint says what to check) after
   * the timeout or when the page ends first, `invalid_argument` "template error: ..." when a
   * `div.error` appears, `internal` on a crash, `aborted` "Stop called before pipeline could
   * start" on close. Handled internally, so not awaiting it is safe.
   */
  readonly started: Promise<void>;
  /** Resolves once, with why the source ended; never rejects. */
  readonly ended: Promise<WebSourceEnd>;
  /** PIDs for CPU accounting and leak checks; Chromium's helpers share its process group. */
  readonly processIds: { xvfb: number; chromium: number | undefined };
  /** Go's `EgressInfo.details` for the first uncaught page exception ("Uncaught chrome exception: ..."). */
  readonly firstException: string | undefined;
  /**
   * Tells the page its new layout (`egress:layout` event on `window`, `detail` = layout).
   * @throws EgressError `unavailable` when the page cannot be reached.
   */
  setLayout(layout: string): Promise<void>;
  /** Closes Chromium, then Xvfb, then the sink; every step runs. Idempotent. */
  close(): Promise<void>;
}

/** What to check when the start signal does not come; goes in the error's `details.hint`. */
export const START_SIGNAL_HINT =
  'the page must log START_RECORDING to the console (the egress SDK startRecording()); check that ' +
  'the room has publishers, that the token is valid for the room and that ws_url reaches the server';

const ERROR_POLL_MS = 250;

function startSignalError(hint: string): EgressError {
  return new EgressError('aborted', GO_MESSAGES.startSignalNotReceived, { details: { hint } });
}

/**
 * Starts a web source as Go's `NewWebSource`: a PulseAudio null sink named after the egress, a
 * private Xvfb, and Chromium loading the page (sink, display and page errors throw, after
 * closing what was started).
 * @throws EgressError from {@link PulseSink.create}, {@link XvfbDisplay.start} or
 * {@link ChromiumPage.open} ("page load error: 404", "template error: boom", ...).
 */
export async function startWebSource(options: WebSourceOptions): Promise<WebSource> {
  const log = options.logger.child({ egressId: options.egressId, component: 'web-source' });
  const startSignalTimeoutMs = options.startSignalTimeoutMs ?? 30_000;
  const errorWatchMs = options.errorWatchMs ?? 5_000;
  for (const [name, value] of [
    ['startSignalTimeoutMs', startSignalTimeoutMs],
    ['errorWatchMs', errorWatchMs],
  ] as const) {
    if (!(value >= 0)) throw EgressError.invalidArgument(`${name} must be 0 or more, got ${value}`);
  }

  const steps: Array<() => Promise<void>> = [];
  const closeSteps = async () => {
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (err) {
        // every step must run: a failed one must not leave a display or browser behind
        log.warn({ err }, 'web source close step failed');
      }
    }
  };

  let sink: PulseSink;
  let display: XvfbDisplay;
  let page: ChromiumPage;
  try {
    sink = await PulseSink.create({
      name: options.egressId,
      logger: options.logger,
      ...(options.env ? { env: options.env } : {}),
    });
    steps.push(() => sink.close());
    display = await XvfbDisplay.start({
      width: options.width,
      height: options.height,
      depth: options.depth ?? 24,
      logger: options.logger,
    });
    steps.push(() => display.close());
    page = await ChromiumPage.open({
      url: options.url,
      display: display.display,
      pulseSink: sink.name,
      width: options.width,
      height: options.height,
      logger: options.logger,
      ...(options.chromiumPath ? { executablePath: options.chromiumPath } : {}),
      ...(options.insecure ? { insecure: true } : {}),
      ...(options.enableSandbox ? { enableSandbox: true } : {}),
      ...(options.chromeFlags ? { chromeFlags: options.chromeFlags } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    steps.push(() => page.close());
  } catch (err) {
    await closeSteps();
    throw err;
  }
  const loadedAt = performance.now();
  log.info({ display: display.display, sink: sink.name }, 'web source loaded');

  let isStarted = false;
  let isStartSettled = false;
  let isEnded = false;
  let resolveStarted: () => void = () => {};
  let rejectStarted: (err: EgressError) => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  // callers may not await it (e.g. after close); a rejection must not crash the process
  started.catch(() => undefined);
  let resolveEnded: (end: WebSourceEnd) => void = () => {};
  const ended = new Promise<WebSourceEnd>((resolve) => {
    resolveEnded = resolve;
  });
  let startTimer: NodeJS.Timeout | undefined;

  const start = () => {
    if (isStartSettled) return;
    isStartSettled = true;
    isStarted = true;
    clearTimeout(startTimer);
    log.info({ waitedMs: Math.round(performance.now() - loadedAt) }, 'web source started');
    resolveStarted();
  };
  const failStart = (err: EgressError) => {
    if (isStartSettled) return;
    isStartSettled = true;
    clearTimeout(startTimer);
    rejectStarted(err);
  };
  const end = (result: WebSourceEnd) => {
    if (isEnded) return;
    isEnded = true;
    if (result.reason === 'failed') failStart(result.error);
    else if (result.reason === 'end-signal') {
      failStart(startSignalError('the page logged END_RECORDING before START_RECORDING'));
    } else failStart(new EgressError('aborted', GO_MESSAGES.stopBeforeStart));
    log.info({ reason: result.reason }, 'web source ended');
    resolveEnded(result);
  };

  if (options.awaitStartSignal) {
    void page.startSignal.then(start);
    startTimer = setTimeout(() => {
      log.warn({ startSignalTimeoutMs }, 'start signal not received');
      failStart(startSignalError(START_SIGNAL_HINT));
    }, startSignalTimeoutMs);
  } else {
    start();
  }
  void page.endSignal.then(() => end({ reason: 'end-signal' }));
  void page.failure.then((error) => end({ reason: 'failed', error }));

  // A template shows connection errors in a div.error once they happen: watch until the start
  // and at least errorWatchMs after load.
  const watchErrors = async () => {
    while (!isEnded && (!isStartSettled || performance.now() - loadedAt < errorWatchMs)) {
      await sleep(ERROR_POLL_MS);
      if (isEnded) return;
      const text = await page.errorText();
      if (text) {
        log.warn('template error shown');
        end({ reason: 'failed', error: EgressError.invalidArgument(`template error: ${text}`) });
      }
    }
  };
  void watchErrors().catch((err: unknown) => {
    // errorText() never throws; this only guards against a bug turning into an unhandled rejection
    log.error({ err }, 'template error watch failed');
  });

  let closing: Promise<void> | undefined;
  return {
    display: display.display,
    pulseDevice: sink.monitor,
    pulseSink: sink.name,
    started,
    ended,
    processIds: { xvfb: display.pid, chromium: page.pid },
    get firstException() {
      return page.firstException;
    },
    setLayout(layout: string) {
      return page.setLayout(layout);
    },
    close() {
      closing ??= (async () => {
        end({ reason: 'closed' });
        await closeSteps();
        log.debug({ wasStarted: isStarted }, 'web source closed');
      })();
      return closing;
    },
  };
}
