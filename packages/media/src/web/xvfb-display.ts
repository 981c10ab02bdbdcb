import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { EgressError, type Logger } from '@egress/protocol';

/** Options of {@link XvfbDisplay.start}. */
export interface XvfbDisplayOptions {
  /** Screen size in pixels. */
  width: number;
  height: number;
  /** Bits per pixel. @defaultValue 24 */
  depth?: number;
  /** Xvfb output lines go to `logger.child({ component: 'xvfb' })` at debug. */
  logger: Logger;
  /** Lowest display number tried; the scan starts at a random number above it. @defaultValue 100 */
  firstDisplay?: number;
  /** How many display numbers above `firstDisplay` may be used. @defaultValue 900 */
  displayRange?: number;
  /** Display numbers tried before giving up (another process may take one in between). @defaultValue 5 */
  maxAttempts?: number;
  /** How long one Xvfb start may take before it counts as failed. @defaultValue 10000 */
  readyTimeoutMs?: number;
  /** @defaultValue 'Xvfb' */
  xvfbPath?: string;
  /** Directory of X lock files and sockets; only tests change it. @defaultValue '/tmp' */
  tmpDir?: string;
}

const X11_UNIX = '.X11-unix';
const STOP_DEADLINE_MS = 5_000;

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw EgressError.invalidArgument(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Display numbers with a lock file or a socket: taken by some X server, ours or not. */
async function takenDisplays(tmpDir: string): Promise<Set<number>> {
  const taken = new Set<number>();
  const add = (names: string[], pattern: RegExp) => {
    for (const name of names) {
      const m = pattern.exec(name);
      if (m?.[1]) taken.add(Number(m[1]));
    }
  };
  add(await readdir(tmpDir).catch(() => []), /^\.X(\d+)-lock$/);
  add(await readdir(`${tmpDir}/${X11_UNIX}`).catch(() => []), /^X(\d+)$/);
  return taken;
}

/**
 * A private Xvfb server for one egress. It listens on its Unix socket (`-nolisten tcp -ac`, as in
 * environment.md §2): Go adds `-nolisten unix` and relies on Linux abstract sockets, but those
 * are per network namespace, and the filesystem socket is what `ximagesrc` and Chromium find
 * everywhere. Readiness comes from `-displayfd` (Xvfb writes the number once it accepts
 * connections), not from polling.
 */
export class XvfbDisplay {
  /** X display name, e.g. `:123`. */
  readonly display: string;
  readonly displayNumber: number;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #tmpDir: string;
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  private constructor(
    child: ChildProcess,
    displayNumber: number,
    exited: Promise<void>,
    tmpDir: string,
    log: Logger,
  ) {
    this.#child = child;
    this.displayNumber = displayNumber;
    this.display = `:${displayNumber}`;
    // spawn succeeded (we saw the display fd), so the pid exists
    this.pid = child.pid ?? -1;
    this.#exited = exited;
    this.#tmpDir = tmpDir;
    this.#log = log;
  }

  /**
   * Starts Xvfb on a free display number: it skips numbers with a lock file or socket and, if
   * another process wins the race for a number, tries the next one.
   * @throws EgressError `internal` when no display could be started.
   */
  static async start(options: XvfbDisplayOptions): Promise<XvfbDisplay> {
    const width = positiveInt(options.width, 'width');
    const height = positiveInt(options.height, 'height');
    const depth = positiveInt(options.depth ?? 24, 'depth');
    const first = positiveInt(options.firstDisplay ?? 100, 'firstDisplay');
    const range = positiveInt(options.displayRange ?? 900, 'displayRange');
    const maxAttempts = positiveInt(options.maxAttempts ?? 5, 'maxAttempts');
    const readyTimeoutMs = positiveInt(options.readyTimeoutMs ?? 10_000, 'readyTimeoutMs');
    const tmpDir = options.tmpDir ?? '/tmp';
    const log = options.logger.child({ component: 'xvfb' });

    let lastError = '';
    const tried = new Set<number>();
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const taken = await takenDisplays(tmpDir);
      // a random start spreads concurrent egresses over the range, so they rarely race
      const offset = Math.floor(Math.random() * range);
      let displayNumber: number | undefined;
      for (let i = 0; i < range; i++) {
        const n = first + ((offset + i) % range);
        if (!taken.has(n) && !tried.has(n)) {
          displayNumber = n;
          break;
        }
      }
      if (displayNumber === undefined) {
        throw EgressError.internal(`no free X display between :${first} and :${first + range - 1}`);
      }
      tried.add(displayNumber);
      const result = await XvfbDisplay.#tryStart({
        displayNumber,
        screen: `${width}x${height}x${depth}`,
        xvfbPath: options.xvfbPath ?? 'Xvfb',
        readyTimeoutMs,
        tmpDir,
        log,
      });
      if (result instanceof XvfbDisplay) {
        log.debug({ display: result.display, pid: result.pid, attempt }, 'xvfb ready');
        return result;
      }
      lastError = result;
      log.debug({ displayNumber, attempt, reason: result }, 'xvfb start failed, trying another');
    }
    throw EgressError.internal(`failed to launch xvfb: ${lastError}`);
  }

  static async #tryStart(o: {
    displayNumber: number;
    screen: string;
    xvfbPath: string;
    readyTimeoutMs: number;
    tmpDir: string;
    log: Logger;
  }): Promise<XvfbDisplay | string> {
    const child = spawn(
      o.xvfbPath,
      [
        `:${o.displayNumber}`,
        '-screen',
        '0',
        o.screen,
        '-ac',
        '-nolisten',
        'tcp',
        '-displayfd',
        '3',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    );
    const tail: string[] = [];
    if (child.stderr) {
      createInterface({ input: child.stderr }).on('line', (line) => {
        o.log.debug({ line }, 'xvfb output');
        tail.push(line);
        if (tail.length > 5) tail.shift();
      });
    }
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // a spawn error (no Xvfb binary) emits 'error' and no 'exit'
      child.once('error', () => resolve());
    });
    const ready = new Promise<string | true>((resolve) => {
      let written = '';
      const fd = child.stdio[3];
      fd?.on('data', (chunk: Buffer) => {
        written += chunk.toString();
        if (written.includes('\n')) resolve(true);
      });
      child.once('error', (err) => resolve(`cannot run ${o.xvfbPath}: ${err.message}`));
      child.once('exit', (code, signal) => {
        // give the stderr reader a moment so the reason is in the tail
        setTimeout(() => resolve(`xvfb exited (${signal ?? code}) ${tail.join(' | ')}`.trim()), 50);
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`xvfb not ready after ${o.readyTimeoutMs} ms`),
        o.readyTimeoutMs,
      );
    });
    const result = await Promise.race([ready, timedOut]);
    clearTimeout(timer);
    if (result === true) {
      child.stdio[3]?.destroy();
      return new XvfbDisplay(child, o.displayNumber, exited, o.tmpDir, o.log);
    }
    child.kill('SIGKILL');
    await exited;
    return result;
  }

  /** Resolves when the server process exited, for whatever reason. */
  get exited(): Promise<void> {
    return this.#exited;
  }

  /** Whether the server process is still running. */
  get isRunning(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /**
   * Stops the server (SIGTERM, SIGKILL after 5 s) and removes its lock file and socket if it
   * left them. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.isRunning) {
      this.#child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), STOP_DEADLINE_MS);
      });
      if ((await Promise.race([this.#exited, deadline])) === 'late') {
        this.#log.warn({ pid: this.pid }, 'xvfb did not stop on SIGTERM, killing it');
        this.#child.kill('SIGKILL');
        await this.#exited;
      }
      clearTimeout(timer);
    }
    // a SIGKILLed server leaves its files; remove them only while they still name our pid
    const lock = `${this.#tmpDir}/.X${this.displayNumber}-lock`;
    const owner = await readFile(lock, 'utf8').catch(() => '');
    if (Number(owner.trim()) === this.pid) {
      await rm(lock, { force: true });
      await rm(`${this.#tmpDir}/${X11_UNIX}/X${this.displayNumber}`, { force: true });
    }
    this.#log.debug({ display: this.display }, 'xvfb closed');
  }
}
