import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EgressError, type Logger } from '@egress/protocol';

const run = promisify(execFile);

/** Options of {@link PulseSink.create}. */
export interface PulseSinkOptions {
  /** Sink name; Go uses the egress id. Letters, digits, `_`, `-` and `.` only. */
  name: string;
  logger: Logger;
  /** @defaultValue 'pactl' */
  pactlPath?: string;
  /** pactl's environment (`PULSE_RUNTIME_PATH` or `PULSE_SERVER` pick the daemon). @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

const SINK_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The sink property naming the pid of the process that loaded the sink: a sink whose owner is
 * gone (SIGKILL) was leaked, and the composite worker's reaper unloads it.
 */
export const PULSE_SINK_OWNER_PID = 'egress.owner_pid';
const PACTL_TIMEOUT_MS = 10_000;

/**
 * A PulseAudio null sink for one egress, as Go's web source makes it: Chromium plays into it
 * (`PULSE_SINK=<name>`) and the pipeline records its monitor (`pulsesrc device=<name>.monitor`).
 */
export class PulseSink {
  /** Sink name, for Chromium's `PULSE_SINK`. */
  readonly name: string;
  /** Monitor source of the sink, for `pulsesrc device=`. */
  readonly monitor: string;
  /** Index of the loaded `module-null-sink`, for `pactl unload-module`. */
  readonly moduleIndex: number;
  readonly #pactl: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  private constructor(
    name: string,
    moduleIndex: number,
    pactl: string,
    env: NodeJS.ProcessEnv | undefined,
    log: Logger,
  ) {
    this.name = name;
    this.monitor = `${name}.monitor`;
    this.moduleIndex = moduleIndex;
    this.#pactl = pactl;
    this.#env = env;
    this.#log = log;
  }

  /**
   * Loads `module-null-sink sink_name=<name> sink_properties='device.description=<name>
   * egress.owner_pid=<this pid>'`.
   * @throws EgressError `invalid_argument` for a name PulseAudio cannot take unquoted,
   * `internal` when pactl fails (no daemon, or a sink with that name exists).
   */
  static async create(options: PulseSinkOptions): Promise<PulseSink> {
    if (!SINK_NAME.test(options.name)) {
      throw EgressError.invalidArgument(
        `pulse sink name must be 1-128 letters, digits, "_", "-" or ".", got ${JSON.stringify(options.name)}`,
      );
    }
    const pactl = options.pactlPath ?? 'pactl';
    const log = options.logger.child({ component: 'pulse' });
    let stdout: string;
    try {
      ({ stdout } = await run(
        pactl,
        [
          'load-module',
          'module-null-sink',
          `sink_name=${options.name}`,
          `sink_properties='device.description=${options.name} ${PULSE_SINK_OWNER_PID}=${process.pid}'`,
        ],
        { env: options.env, timeout: PACTL_TIMEOUT_MS },
      ));
    } catch (err) {
      const stderr = (err as { stderr?: unknown }).stderr;
      throw EgressError.internal(
        `failed to create pulse sink: ${typeof stderr === 'string' && stderr.trim() ? stderr.trim() : String(err)}`,
        err,
      );
    }
    const moduleIndex = Number(stdout.trim());
    if (!Number.isInteger(moduleIndex) || moduleIndex < 0) {
      throw EgressError.internal(`pactl load-module printed no module index: ${stdout.trim()}`);
    }
    log.debug({ sink: options.name, moduleIndex }, 'pulse sink created');
    return new PulseSink(options.name, moduleIndex, pactl, options.env, log);
  }

  /** Unloads the module; Chromium's streams into it move to the default sink. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    try {
      await run(this.#pactl, ['unload-module', String(this.moduleIndex)], {
        env: this.#env,
        timeout: PACTL_TIMEOUT_MS,
      });
      this.#log.debug({ sink: this.name }, 'pulse sink removed');
    } catch (err) {
      // nothing the egress can do about it; the daemon drops the module when it restarts
      this.#log.warn(
        { err, sink: this.name, moduleIndex: this.moduleIndex },
        'pulse sink unload failed',
      );
    }
  }
}
