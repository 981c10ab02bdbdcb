import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { EgressError, type Logger } from '@egress/protocol';
import type { PcmSink, PcmSinkResult } from './pcm-sink.js';

/** Options of {@link startOggOpusSink}. */
export interface OggOpusSinkOptions {
  /** The local file to write. */
  localPath: string;
  logger: Logger;
  /** Opus bitrate, kbps. @defaultValue 128 (Go's default audio bitrate) */
  bitrateKbps?: number;
  /**
   * opusenc complexity 0–10; 5 halves the encoder's CPU against 10 with no audible loss for
   * speech (README numbers). @defaultValue 5
   */
  complexity?: number;
  /** How long close() waits for EOS before killing the encoder, milliseconds. @defaultValue 10000 */
  closeDeadlineMs?: number;
  /** @defaultValue 'gst-launch-1.0' */
  gstLaunchPath?: string;
}

const TAIL_LINES = 20;

/** The gst-launch arguments of the encoder: raw S16LE 48 kHz stereo on stdin → OGG/Opus. */
export function oggOpusArgs(localPath: string, bitrateKbps: number, complexity: number): string[] {
  return [
    '-q',
    'fdsrc',
    'fd=0',
    '!',
    'rawaudioparse',
    'use-sink-caps=false',
    'format=pcm',
    'pcm-format=s16le',
    'sample-rate=48000',
    'num-channels=2',
    '!',
    'opusenc',
    `bitrate=${bitrateKbps * 1000}`,
    `complexity=${complexity}`,
    '!',
    'oggmux',
    '!',
    'filesink',
    `location=${localPath}`,
  ];
}

/**
 * Encodes PCM to an OGG/Opus file in a `gst-launch-1.0 fdsrc` child (README: chosen over an
 * in-process appsrc for isolation at the same CPU). Closing stdin is the EOS: the child then
 * finalizes the file and exits, which also happens when this process dies, so a crash next to a
 * recording leaves a playable file.
 */
export function startOggOpusSink(options: OggOpusSinkOptions): PcmSink {
  const log = options.logger.child({ component: 'ogg-opus-sink' });
  const deadlineMs = options.closeDeadlineMs ?? 10_000;
  const child: ChildProcess = spawn(
    options.gstLaunchPath ?? 'gst-launch-1.0',
    oggOpusArgs(options.localPath, options.bitrateKbps ?? 128, options.complexity ?? 5),
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
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
      reportFailure(EgressError.internal(`failed to launch gst-launch-1.0: ${err.message}`));
      resolve(-1);
    });
  });
  void exited.then((code) => {
    if (!isClosing) {
      reportFailure(
        EgressError.internal(
          `the audio encoder exited early (code ${code})${tail.length ? `: ${tail.at(-1)}` : ''}`,
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
      // Mute is already silence in the PCM; OGG has nothing more to say about it.
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
            `the audio encoder did not finish the file (code ${code})${tail.length ? `: ${tail.at(-1)}` : ''}`,
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
