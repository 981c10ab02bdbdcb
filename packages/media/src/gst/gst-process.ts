import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { EgressError, GO_MESSAGES, type Logger, redactStreamUrl } from '@egress/protocol';

/** Options of {@link GstProcess.start}. */
export interface GstProcessOptions {
  /**
   * Pipeline description arguments (`planCompositePipeline(...).args`); `-e` (EOS on SIGINT)
   * and `-m` (bus messages, to see the real PLAYING) are added.
   */
  args: readonly string[];
  /** Lines of gst-launch output go to `logger.child({ component: 'gst' })` at debug. */
  logger: Logger;
  /** @defaultValue 'gst-launch-1.0' */
  gstLaunchPath?: string;
  /**
   * How long {@link GstProcess.stop} waits for EOS before SIGKILL; Go fails with "pipeline
   * frozen" after the same 30 s (egress-go-behavior.md §4). @defaultValue 30000
   */
  stopDeadlineMs?: number;
  /** Output lines kept for the failure message. @defaultValue 20 */
  tailLines?: number;
  /** Child environment. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Called with each output line, already redacted (e.g. to follow `splitmuxsink-fragment-closed`). */
  onLine?: (line: string) => void;
  /**
   * Descriptors of the child that are pipes written by this process (`fdsrc fd=N` sources):
   * 0 (stdin) or 3 and up; 1 and 2 carry gst-launch's output. See {@link GstProcess.input}.
   */
  inputFds?: readonly number[];
  /**
   * Whether every output is finished on disk (`outputsFinalCheck`). Polled once EOS was asked for
   * ({@link GstProcess.stop}, {@link GstProcess.endInputs}): if it holds for `lostEosGraceMs` and
   * gst-launch still has not exited, the pipeline lost its EOS message (a GStreamer 1.22
   * `splitmuxsink` race), so the process is killed and the exit counts as clean (`isEosLost`).
   */
  outputsFinal?: () => Promise<boolean>;
  /** @defaultValue 2000 */
  lostEosGraceMs?: number;
}

/** How a gst-launch process ended. */
export interface GstExit {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /**
   * Every file is finalized: gst-launch reported EOS and exited 0, or the outputs were seen
   * finished after the pipeline lost its EOS message (`isEosLost`) and no error was reported.
   */
  isCleanEos: boolean;
  /** Killed after `outputsFinal` held while the EOS message never came. */
  isEosLost: boolean;
  /** {@link GstProcess.stop} had to SIGKILL it after the deadline. */
  isFrozen: boolean;
  /** First `ERROR:` line (redacted), if any. */
  error?: string;
  /** The last output lines, redacted. */
  tail: string[];
}

const PIPELINE_PLAYING =
  /^Got message #\d+ from element "pipeline\d+" \(state-changed\):.*new-state=\(GstState\)playing/;
const URL_PATTERN = /\b(?:rtmps?|srt|wss?|mux|twitch):\/\/[^\s"'<>]+/gi;

/** Replaces every stream URL in a line of GStreamer output with its redacted form. */
export function redactGstLine(line: string): string {
  return line.replace(URL_PATTERN, (url) => redactStreamUrl(url));
}

/**
 * A `gst-launch-1.0 -e` child process. Stopping sends exactly one SIGINT to the child's own PID
 * (never its process group: a second SIGINT makes gst-launch exit before EOS and leaves files
 * unfinalized, environment.md §3), waits for EOS until the deadline, then SIGKILLs.
 */
export class GstProcess {
  readonly #child: ChildProcess;
  readonly #log: Logger;
  readonly #stopDeadlineMs: number;
  readonly #tailLines: number;
  readonly #tail: string[] = [];
  readonly #exited: Promise<GstExit>;
  readonly #playing: Promise<void>;
  #sawEos = false;
  #error: string | undefined;
  #isFrozen = false;
  #isEosLost = false;
  readonly #inputFds: readonly number[];
  readonly #outputsFinal: (() => Promise<boolean>) | undefined;
  readonly #lostEosGraceMs: number;
  #endingInputs: Promise<GstExit> | undefined;
  #watchingFinal = false;
  #hasExited = false;
  #stopping: Promise<GstExit> | undefined;
  #onPlaying: () => void = () => {};

  private constructor(options: GstProcessOptions) {
    this.#log = options.logger.child({ component: 'gst' });
    this.#stopDeadlineMs = options.stopDeadlineMs ?? 30_000;
    this.#tailLines = options.tailLines ?? 20;
    if (!(this.#stopDeadlineMs > 0)) {
      throw EgressError.invalidArgument('stopDeadlineMs must be a positive number');
    }
    const inputFds = options.inputFds ?? [];
    this.#inputFds = inputFds;
    this.#outputsFinal = options.outputsFinal;
    this.#lostEosGraceMs = options.lostEosGraceMs ?? 2000;
    for (const fd of inputFds) {
      if (!Number.isInteger(fd) || fd === 1 || fd === 2 || fd < 0) {
        throw EgressError.invalidArgument(`input fd must be 0 or 3 and up, got ${fd}`);
      }
    }
    const stdio: ('pipe' | 'ignore')[] = ['ignore', 'pipe', 'pipe'];
    for (const fd of inputFds) {
      while (stdio.length <= fd) stdio.push('ignore');
      stdio[fd] = 'pipe';
    }
    this.#child = spawn(options.gstLaunchPath ?? 'gst-launch-1.0', ['-e', '-m', ...options.args], {
      env: options.env ?? process.env,
      stdio,
    });
    for (const fd of inputFds) {
      // EPIPE after the child died: the exit (with its error line) tells what happened
      this.input(fd)?.on('error', (err) => this.#log.debug({ err, fd }, 'input pipe closed'));
    }

    const onLine = options.onLine;
    const lines: Promise<void>[] = [];
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (!stream) continue;
      const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      rl.on('line', (raw) => {
        const line = redactGstLine(raw);
        this.#handleLine(line);
        onLine?.(line);
      });
      lines.push(new Promise((resolve) => rl.once('close', () => resolve())));
    }

    let rejectPlaying: (err: Error) => void = () => {};
    this.#playing = new Promise<void>((resolve, reject) => {
      this.#onPlaying = resolve;
      rejectPlaying = reject;
    });
    // callers that only await `exited` must not see an unhandled rejection
    this.#playing.catch(() => {});

    this.#exited = new Promise<GstExit>((resolve) => {
      let spawnError: Error | undefined;
      this.#child.once('error', (err) => {
        spawnError = err;
      });
      this.#child.once('close', (code, signal) => {
        this.#hasExited = true;
        // 'close' comes after both output streams ended, so every line has been seen
        void Promise.all(lines).then(() => {
          if (spawnError) this.#error ??= `could not start gst-launch: ${spawnError.message}`;
          const exit: GstExit = {
            code,
            signal,
            // a pipeline that reported an error is not rescued by its outputs
            isCleanEos:
              (this.#sawEos && code === 0) || (this.#isEosLost && this.#error === undefined),
            isEosLost: this.#isEosLost,
            isFrozen: this.#isFrozen,
            ...(this.#error !== undefined ? { error: this.#error } : {}),
            tail: [...this.#tail],
          };
          this.#log.debug({ code, signal, isCleanEos: exit.isCleanEos }, 'gst-launch exited');
          rejectPlaying(GstProcess.failure(exit, 'gst-launch exited before PLAYING'));
          resolve(exit);
        });
      });
    });
  }

  /** Starts `gst-launch-1.0 -e <args>`. */
  static start(options: GstProcessOptions): GstProcess {
    return new GstProcess(options);
  }

  /**
   * An `EgressError` describing a failed run: the GStreamer error (or "pipeline frozen") plus
   * the last output lines, stream URLs redacted.
   */
  static failure(exit: GstExit, context = 'gstreamer pipeline failed'): EgressError {
    const reason = exit.isFrozen
      ? GO_MESSAGES.pipelineFrozen
      : (exit.error ??
        (exit.signal ? `killed by ${exit.signal}` : `exited with code ${String(exit.code)}`));
    const details = exit.tail.slice(-5).join('\n');
    return EgressError.internal(`${context}: ${reason}${details ? `\n${details}` : ''}`);
  }

  /**
   * The pipe to one of the `inputFds` (undefined for another fd). Ending every input pipe ends
   * the `fdsrc` sources: the pipeline then reaches EOS and finishes its files by itself.
   */
  input(fd: number): Writable | undefined {
    const stream = this.#child.stdio[fd];
    return stream && 'write' in stream ? stream : undefined;
  }

  /** The child's PID (undefined when it could not be spawned). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Resolves when the pipeline reports PLAYING on its bus, i.e. once every live source delivers
   * data (pulsesrc takes about 1.5 s here after gst-launch prints "Setting pipeline to PLAYING");
   * rejects if the process exits first.
   */
  whenPlaying(): Promise<void> {
    return this.#playing;
  }

  /** Resolves when the process has exited; never rejects. */
  get exited(): Promise<GstExit> {
    return this.#exited;
  }

  /**
   * Ends the pipeline with EOS: one SIGINT, then SIGKILL if it has not exited within the
   * deadline (`isFrozen` in the result). Idempotent: later calls return the same promise.
   */
  stop(): Promise<GstExit> {
    if (this.#stopping !== undefined) return this.#stopping;
    if (this.#hasExited) {
      this.#stopping = this.#exited;
      return this.#stopping;
    }
    this.#child.kill('SIGINT');
    this.#watchFinalOutputs();
    const timer = setTimeout(() => {
      this.#isFrozen = true;
      this.#log.warn({ stopDeadlineMs: this.#stopDeadlineMs }, 'gst-launch did not reach eos');
      this.#child.kill('SIGKILL');
    }, this.#stopDeadlineMs);
    this.#stopping = this.#exited.finally(() => clearTimeout(timer));
    return this.#stopping;
  }

  /**
   * Ends every input pipe (EOS of the `fdsrc` sources) and waits for the pipeline to finish its
   * outputs; after the deadline it is stopped as {@link GstProcess.stop} does. Idempotent.
   */
  endInputs(): Promise<GstExit> {
    if (!this.#endingInputs) {
      for (const fd of this.#inputFds) this.input(fd)?.end();
      this.#watchFinalOutputs();
      const timer = setTimeout(() => void this.stop(), this.#stopDeadlineMs);
      this.#endingInputs = this.#exited.finally(() => clearTimeout(timer));
    }
    return this.#endingInputs;
  }

  /**
   * After EOS was asked for: kills the process once `outputsFinal` has held for the grace period
   * without an exit (the EOS message was lost, every output is complete).
   */
  #watchFinalOutputs(): void {
    const outputsFinal = this.#outputsFinal;
    if (!outputsFinal || this.#watchingFinal) return;
    this.#watchingFinal = true;
    const pollMs = Math.min(500, this.#lostEosGraceMs);
    let finalSinceMs: number | undefined;
    const poll = async (): Promise<void> => {
      if (this.#hasExited) return;
      let isFinal = false;
      try {
        isFinal = await outputsFinal();
      } catch (err) {
        this.#log.debug({ err }, 'could not read the outputs');
      }
      if (this.#hasExited) return;
      const nowMs = Date.now();
      finalSinceMs = isFinal ? (finalSinceMs ?? nowMs) : undefined;
      if (finalSinceMs !== undefined && nowMs - finalSinceMs >= this.#lostEosGraceMs) {
        this.#log.warn(
          { graceMs: this.#lostEosGraceMs },
          'every output is finished but the pipeline lost its eos message: ending it',
        );
        this.#isEosLost = true;
        this.#child.kill('SIGKILL');
        return;
      }
      setTimeout(() => void poll(), pollMs).unref();
    };
    void poll();
  }

  /** Kills the process at once (SIGKILL): files are left as a crash would leave them. */
  kill(): Promise<GstExit> {
    if (!this.#hasExited) this.#child.kill('SIGKILL');
    return this.#exited;
  }

  #handleLine(line: string): void {
    // `-m` bus messages: only the top-level pipeline's PLAYING and errors matter; the rest
    // (state changes of every element, latency, qos) stays at trace and out of the tail
    if (line.startsWith('Got message #')) {
      this.#log.trace({ line }, 'gst-launch message');
      if (PIPELINE_PLAYING.test(line)) this.#onPlaying();
      return;
    }
    this.#log.debug({ line }, 'gst-launch output');
    this.#tail.push(line);
    if (this.#tail.length > this.#tailLines) this.#tail.shift();
    if (line.startsWith('Got EOS from element "pipeline')) this.#sawEos = true;
    else if (this.#error === undefined && /^(ERROR|WARNING: erroneous pipeline)/.test(line)) {
      this.#error = line;
    }
  }
}
