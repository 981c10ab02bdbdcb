import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PULSE_SINK_OWNER_PID } from '@egress/media';
import type { Logger } from '@egress/protocol';
import { isProcessAlive } from '@egress/service-runtime';

const run = promisify(execFile);
const PACTL_TIMEOUT_MS = 10_000;
/** Go's `pulseReapInterval`: the longest wait between two checks. */
const MAX_INTERVAL_MS = 30_000;
const OWNER_PID = new RegExp(`\\b${PULSE_SINK_OWNER_PID.replaceAll('.', '\\.')}=(\\d+)\\b`);
const SINK_NAME = /\bsink_name=(\S+)/;

/** A null sink loaded by an egress process (it carries its owner's pid). */
export interface OwnedSink {
  moduleIndex: number;
  name: string;
  ownerPid: number;
}

/**
 * The egress processes' null sinks in `pactl list short modules` output (`<index>\t<module>\t
 * <arguments>` lines); other modules, and sinks without an owner pid, are not ours.
 */
export function parseOwnedSinks(modules: string): OwnedSink[] {
  const sinks: OwnedSink[] = [];
  for (const line of modules.split('\n')) {
    const [index, module, args = ''] = line.split('\t');
    if (module !== 'module-null-sink') continue;
    const ownerPid = OWNER_PID.exec(args)?.[1];
    const name = SINK_NAME.exec(args)?.[1];
    if (ownerPid === undefined || name === undefined) continue;
    sinks.push({ moduleIndex: Number(index), name, ownerPid: Number(ownerPid) });
  }
  return sinks;
}

/**
 * Which orphaned sinks to unload now, as Go's `planPulseSinkReaps`: a sink whose owner is gone
 * is first remembered (`firstOrphaned`, by module index), and unloaded once it has stayed
 * orphaned for `graceMs`. Entries of sinks no longer loaded or orphaned are forgotten.
 */
export function planSinkReaps(
  sinks: readonly OwnedSink[],
  isOwnerAlive: (pid: number) => boolean,
  firstOrphaned: Map<number, number>,
  graceMs: number,
  nowMs: number,
): OwnedSink[] {
  const toReap: OwnedSink[] = [];
  const orphaned = new Set<number>();
  for (const sink of sinks) {
    if (isOwnerAlive(sink.ownerPid)) continue;
    orphaned.add(sink.moduleIndex);
    const since = firstOrphaned.get(sink.moduleIndex);
    if (since === undefined) {
      firstOrphaned.set(sink.moduleIndex, nowMs);
    } else if (nowMs - since >= graceMs) {
      toReap.push(sink);
      firstOrphaned.delete(sink.moduleIndex);
    }
  }
  for (const index of firstOrphaned.keys()) {
    if (!orphaned.has(index)) firstOrphaned.delete(index);
  }
  return toReap;
}

/** Options of {@link PulseSinkReaper}. */
export interface PulseSinkReaperOptions {
  /** How long a sink stays orphaned before it is unloaded (config `pulse_sink_reap_grace_sec`). */
  graceMs: number;
  /** Wait between checks. @defaultValue min(graceMs, 30000), as Go */
  intervalMs?: number;
  logger: Logger;
  /** @defaultValue 'pactl' */
  pactlPath?: string;
  /** pactl's environment (`PULSE_RUNTIME_PATH` or `PULSE_SERVER` pick the daemon). @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Unloads the null sinks of egress (and warm) processes that died without closing them
 * (SIGKILL, OOM kill), as Go's pulse sink reaper does, before they pile up against the daemon's
 * client limit. A sink is ours when it carries the owner pid property `PulseSink` sets; it is
 * reaped once that process has been gone for the grace period, so a live egress's sink, or one
 * of another tool, is never touched. Owner pids are read in this worker's pid namespace: a
 * daemon shared with workers of other pid namespaces must not be reaped from here.
 */
export class PulseSinkReaper {
  readonly #options: Required<Omit<PulseSinkReaperOptions, 'env'>> & {
    env: NodeJS.ProcessEnv | undefined;
  };
  readonly #log: Logger;
  readonly #firstOrphaned = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #isListFailing = false;

  constructor(options: PulseSinkReaperOptions) {
    this.#options = {
      graceMs: options.graceMs,
      intervalMs: options.intervalMs ?? Math.min(Math.max(options.graceMs, 1), MAX_INTERVAL_MS),
      logger: options.logger,
      pactlPath: options.pactlPath ?? 'pactl',
      env: options.env,
    };
    this.#log = options.logger.child({ component: 'pulse-reaper' });
  }

  /** Checks now (sinks leaked before this worker started), then every interval. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sweep(), this.#options.intervalMs);
    this.#timer.unref();
    void this.sweep();
  }

  /** One check; never rejects. A check already running is joined. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Stops checking and waits for a check in progress. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
  }

  async #sweep(): Promise<void> {
    const { pactlPath, env, graceMs } = this.#options;
    let sinks: OwnedSink[];
    try {
      const { stdout } = await run(pactlPath, ['list', 'short', 'modules'], {
        env,
        timeout: PACTL_TIMEOUT_MS,
      });
      sinks = parseOwnedSinks(stdout);
      this.#isListFailing = false;
    } catch (err) {
      // Going on is safe: nothing is unloaded on an unknown state; the next tick tries again.
      if (!this.#isListFailing) this.#log.warn({ err }, 'pulse sink reaper: list failed');
      this.#isListFailing = true;
      return;
    }
    const alive = new Map<number, boolean>();
    for (const sink of sinks) alive.set(sink.ownerPid, await isProcessAlive(sink.ownerPid));
    const toReap = planSinkReaps(
      sinks,
      (pid) => alive.get(pid) ?? true,
      this.#firstOrphaned,
      graceMs,
      Date.now(),
    );
    for (const sink of toReap) {
      const fields = { sink: sink.name, moduleIndex: sink.moduleIndex, ownerPid: sink.ownerPid };
      try {
        await run(pactlPath, ['unload-module', String(sink.moduleIndex)], {
          env,
          timeout: PACTL_TIMEOUT_MS,
        });
        this.#log.info(fields, 'unloaded orphaned pulse sink');
      } catch (err) {
        this.#log.warn({ err, ...fields }, 'failed to unload orphaned pulse sink');
      }
    }
  }
}
