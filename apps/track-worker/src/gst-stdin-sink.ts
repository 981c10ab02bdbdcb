import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { EgressError, type Logger } from '@egress/protocol';
import type { PcmSink, PcmSinkResult } from './audio/pcm-sink.js';

/** Options of {@link startGstStdinSink}. */
export interface GstStdinSinkOptions {
  /** gst-launch arguments; the pipeline starts with `fdsrc fd=0` and ends in a filesink. */
  args: string[];
  /** The file the pipeline writes. */
  localPath: string;
  logger: Logger;
  /** Named in errors: `audio encoder`, `video encoder`. */
  what: string;
  /** How long close() waits for EOS before killing the encoder, milliseconds. @defaultValue 10000 */
  closeDeadlineMs?: number;
  /** @defaultValue 'gst-launch-1.0' */
  gstLaunchPath?: string;
}

const TAIL_LINES = 20;

/**
 * A `gst-launch-1.0` child fed raw media on its stdin (README: chosen over an in-process appsrc
 * for isolation at the same CPU). Closing stdin is the EOS: the child then finalizes the file and
 * exits, which also happens when this process dies, so a crash next to a recording leaves a
 * playable file.
 */
export function startGstStdinSink(options: GstStdinSinkOptions): PcmSink {
  const log = options.logger.child({ component: 'gst-stdin-sink' });
  const deadlineMs = options.closeDeadlineMs ?? 10_000;
  const child: ChildProcess = spawn(options.gstLaunchPath ?? 'gst-launch-1.0', options.args, {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      log.debug({ line }, 'gstreamer');
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  });
  let isClosing = false;
  let reportFailure: (error: EgressError) => void = () => undefined;
  const failed = new Promise<EgressError>((resolve) => {
    reportFailure = resolve;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      reportFailure(
        EgressError.internal(
          `failed to launch gst-launch-1.0 for the ${options.what}: ${err.message}`,
        ),
      );
      resolve(-1);
    });
  });
  void exited.then((code) => {
    if (!isClosing) {
      reportFailure(
        EgressError.internal(
          `the ${options.what} exited early (code ${code})${tail.length ? `: ${tail.at(-1)}` : ''}`,
        ),
      );
    }
  });
  // EPIPE after the child died is reported through `failed` by the exit handler.
  child.stdin?.on('error', (err) => log.debug({ err }, 'encoder stdin closed'));

  let closing: Promise<PcmSinkResult> | undefined;
  return {
    failed,
    ...(child.pid ? { pid: child.pid } : {}),
    write(pcm) {
      if (!isClosing) child.stdin?.write(pcm);
    },
    setMuted() {
      // Mute is already in the media (silence, black frames); the file has nothing to add.
    },
    close() {
      closing ??= (async () => {
        isClosing = true;
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
        const code = await exited;
        clearTimeout(timer);
        if (code !== 0) {
          throw EgressError.internal(
            `the ${options.what} did not finish the file (code ${code})${tail.length ? `: ${tail.at(-1)}` : ''}`,
          );
        }
        const { size } = await stat(options.localPath);
        return { localPath: options.localPath, sizeBytes: size };
      })();
      return closing;
    },
    destroy() {
      isClosing = true;
      child.kill('SIGKILL');
    },
  };
}
