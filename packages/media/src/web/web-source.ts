import { setTimeout as sleep } from 'node:timers/promises';
import { EgressError, GO_MESSAGES, type Logger } from '@egress/protocol';
import type { ChromeFlags } from './chrome-args.js';
import { ChromiumPage } from './chromium-page.js';
import { PulseSink } from './pulse-sink.js';
import { ROOM_PLAYOUT_SCRIPT } from './room-playout.js';
import { XvfbDisplay } from './xvfb-display.js';

/** Options of {@link prepareWebSource}: the display, sink and browser, before any page. */
export interface WebDisplayOptions {
  /** PulseAudio sink name (Go uses the egress id). */
  sinkName: string;
  /** Display and window size in pixels (the encoding's size). */
  width: number;
  height: number;
  /** Xvfb bits per pixel. @defaultValue 24 */
  depth?: number;
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

/** Options of {@link PreparedWebSource.load}: the page and its start signal. */
export interface WebPageOptions {
  /** The page: a web egress's URL, or `roomCompositeUrl(...)`. May hold a token: never logged. */
  url: string;
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
  /** Logs about the page go here from the load on. @defaultValue the display's logger */
  logger?: Logger;
  /**
   * The page is a LiveKit room page (room composite, any template): it gets
   * `ROOM_PLAYOUT_SCRIPT` (audio output started before the first packets, one sync group per
   * participant). Never for web egress: the script changes how the page's WebRTC behaves.
   * @defaultValue false
   */
  isRoomPage?: boolean;
}

/** Options of {@link startWebSource}. */
export interface WebSourceOptions
  extends Omit<WebDisplayOptions, 'sinkName' | 'logger'>,
    WebPageOptions {
  /** Names the PulseAudio sink (as Go). */
  egressId: string;
  logger: Logger;
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
 * A display, sink and browser on `about:blank`, started before the page is known (a warm egress
 * process keeps one ready), then loaded once with {@link PreparedWebSource.load}.
 */
export interface PreparedWebSource {
  /** X display the browser shows on, e.g. `:123`. */
  readonly display: string;
  /** PulseAudio source to record: `<sinkName>.monitor`. */
  readonly pulseDevice: string;
  /** The sink Chromium plays into. */
  readonly pulseSink: string;
  /** Screen size and depth of the display. */
  readonly size: { width: number; height: number; depth: number };
  /** PIDs for CPU accounting and leak checks; Chromium's helpers share its process group. */
  readonly processIds: { xvfb: number; chromium: number | undefined };
  /**
   * Resolves when Chromium or Xvfb went away while not being closed; a source in that state
   * must not be loaded. Never rejects.
   */
  readonly failure: Promise<EgressError>;
  /**
   * Loads the page and returns the running source. One use: on failure everything is closed.
   * @throws EgressError as {@link startWebSource}.
   */
  load(options: WebPageOptions): Promise<WebSource>;
  /** Closes Chromium, then Xvfb, then the sink; every step runs. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts what a web source needs before its page: a PulseAudio null sink, a private Xvfb and
 * Chromium on `about:blank` (a step that fails closes the ones before it).
 * @throws EgressError from {@link PulseSink.create}, {@link XvfbDisplay.start} or
 * {@link ChromiumPage.launch}.
 */
export async function prepareWebSource(options: WebDisplayOptions): Promise<PreparedWebSource> {
  const log = options.logger.child({ component: 'web-source' });
  const depth = options.depth ?? 24;
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
      name: options.sinkName,
      logger: options.logger,
      ...(options.env ? { env: options.env } : {}),
    });
    steps.push(() => sink.close());
    display = await XvfbDisplay.start({
      width: options.width,
      height: options.height,
      depth,
      logger: options.logger,
    });
    steps.push(() => display.close());
    page = await ChromiumPage.launch({
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

  let isClosing = false;
  let closing: Promise<void> | undefined;
  const close = () => {
    isClosing = true;
    closing ??= closeSteps();
    return closing;
  };
  const failure = Promise.race([
    page.failure,
    display.exited.then(() => EgressError.internal('xvfb exited unexpectedly')),
  ]).then((error) => {
    // closing ends both on purpose: never resolve then
    if (isClosing) return new Promise<EgressError>(() => {});
    return error;
  });
  let isLoaded = false;
  return {
    display: display.display,
    pulseDevice: sink.monitor,
    pulseSink: sink.name,
    size: { width: options.width, height: options.height, depth },
    processIds: { xvfb: display.pid, chromium: page.pid },
    failure,
    async load(pageOptions) {
      if (isLoaded || isClosing) {
        throw EgressError.failedPrecondition('a prepared web source loads one page, once');
      }
      isLoaded = true;
      try {
        await page.load(pageOptions.url, {
          ...(pageOptions.logger ? { logger: pageOptions.logger } : {}),
          ...(pageOptions.isRoomPage ? { initScript: ROOM_PLAYOUT_SCRIPT } : {}),
        });
      } catch (err) {
        await close();
        throw err;
      }
      return runWebSource({
        page,
        display: display.display,
        sink,
        processIds: { xvfb: display.pid, chromium: page.pid },
        options: pageOptions,
        logger: (pageOptions.logger ?? options.logger).child({ component: 'web-source' }),
        close,
      });
    },
    close,
  };
}

/**
 * Starts a web source as Go's `NewWebSource`: a PulseAudio null sink named after the egress, a
 * private Xvfb, and Chromium loading the page (sink, display and page errors throw, after
 * closing what was started).
 * @throws EgressError from {@link PulseSink.create}, {@link XvfbDisplay.start},
 * {@link ChromiumPage.launch} or {@link ChromiumPage.load} ("page load error: 404",
 * "template error: boom", ...).
 */
export async function startWebSource(options: WebSourceOptions): Promise<WebSource> {
  const log = options.logger.child({ egressId: options.egressId });
  const {
    egressId,
    url,
    awaitStartSignal,
    startSignalTimeoutMs,
    errorWatchMs,
    isRoomPage,
    ...display
  } = options;
  checkPageOptions(options);
  const prepared = await prepareWebSource({ ...display, sinkName: egressId, logger: log });
  return prepared.load({
    url,
    awaitStartSignal,
    ...(isRoomPage ? { isRoomPage } : {}),
    logger: log,
    ...(startSignalTimeoutMs !== undefined ? { startSignalTimeoutMs } : {}),
    ...(errorWatchMs !== undefined ? { errorWatchMs } : {}),
  });
}

function checkPageOptions(options: WebPageOptions): void {
  for (const [name, value] of [
    ['startSignalTimeoutMs', options.startSignalTimeoutMs ?? 0],
    ['errorWatchMs', options.errorWatchMs ?? 0],
  ] as const) {
    if (!(value >= 0)) throw EgressError.invalidArgument(`${name} must be 0 or more, got ${value}`);
  }
}

/** The signals and error watch of a loaded page. */
function runWebSource(o: {
  page: ChromiumPage;
  display: string;
  sink: PulseSink;
  processIds: { xvfb: number; chromium: number | undefined };
  options: WebPageOptions;
  logger: Logger;
  close: () => Promise<void>;
}): WebSource {
  const { page, sink, options, logger: log } = o;
  checkPageOptions(options);
  const startSignalTimeoutMs = options.startSignalTimeoutMs ?? 30_000;
  const errorWatchMs = options.errorWatchMs ?? 5_000;
  const loadedAt = performance.now();
  log.info({ display: o.display, sink: sink.name }, 'web source loaded');

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
    display: o.display,
    pulseDevice: sink.monitor,
    pulseSink: sink.name,
    started,
    ended,
    processIds: o.processIds,
    get firstException() {
      return page.firstException;
    },
    setLayout(layout: string) {
      return page.setLayout(layout);
    },
    close() {
      closing ??= (async () => {
        end({ reason: 'closed' });
        await o.close();
        log.debug({ wasStarted: isStarted }, 'web source closed');
      })();
      return closing;
    },
  };
}
