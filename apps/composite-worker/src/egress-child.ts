import type { ChildProcess } from 'node:child_process';
import { salvageLeftFile } from '@egress/media';
import {
  type Config,
  type ControlMessage,
  EgressError,
  END_REASONS,
  type EndReason,
  egressInfoFromJson,
  encodeControlReplyError,
  isFinalStatus,
  type Logger,
  markFailed,
} from '@egress/protocol';
import type { AdmittedEgress } from '@egress/service-runtime';
import { type EgressInfo, EgressStatus } from '@livekit/protocol';
import type { ChildMessage, OutputsMessage, StartMessage } from './ipc-messages.js';
import { killProcessGroups } from './kill-process-groups.js';
import type { MediaSourceKind } from './media-source.js';
import type { WarmProcess } from './warm-pool.js';

/** Options of {@link EgressChild}. */
export interface EgressChildOptions {
  egress: AdmittedEgress;
  config: Config;
  /** The egress's logger. */
  logger: Logger;
  /** The egress's own folder. */
  tmpDir: string;
  mediaSource: MediaSourceKind;
  /** Forks a new egress process (`egress-process`, its own process group). */
  fork: () => ChildProcess;
  /** How long a killed egress may take to finalize and upload, milliseconds. */
  killDeadlineMs: number;
  /** Called once the egress went ACTIVE, with whether it ran in a warm process. */
  onActive: (isWarm: boolean) => void;
}

/** One egress process as the worker holds it (see {@link EgressChild.start}). */
interface Run {
  child: ChildProcess;
  /** Its process groups: the child's (pid = pgid) first, then Chromium's once started. */
  groups: number[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the child took the job (false: it closed first, as a dying warm process does). */
  accepted: Promise<boolean>;
}

/**
 * The worker's side of one composite egress running in its own child process: sends the job,
 * relays the child's status as job progress and control messages to it (replies back), ends it
 * on a CPU stop or kill (SIGKILLing its process groups after `killDeadlineMs`), and once the
 * child exited returns the final info, uploading the file a dead child left.
 */
export class EgressChild {
  readonly #options: EgressChildOptions;
  readonly #log: Logger;
  #info: EgressInfo;
  #run: Run | undefined;
  #outputs: OutputsMessage | undefined;
  #final: EgressInfo | undefined;
  #killError: EgressError | undefined;
  #killTimer: NodeJS.Timeout | undefined;
  #hasExited = false;
  /** Control requests the child has not answered yet, by request id. */
  readonly #pending = new Map<string, { message: ControlMessage; reply: (json: string) => void }>();

  constructor(options: EgressChildOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.#info = options.egress.info;
  }

  /** Its process groups while its process runs; none once it exited. */
  get processGroups(): readonly number[] | undefined {
    return this.#hasExited ? undefined : this.#run?.groups;
  }

  /** Hands a control message to the child (now, or once it has the job); resolves its reply. */
  control(message: ControlMessage): Promise<string> {
    return new Promise((reply) => {
      this.#pending.set(message.requestId, { message, reply });
      if (this.#run?.child.connected) this.#run.child.send({ type: 'control', message });
    });
  }

  /** Ends it gracefully (Go's StopProcess). */
  end(endReason: EndReason): void {
    if (this.#run?.child.connected) this.#run.child.send({ type: 'end', endReason });
  }

  /**
   * Go's KillEgress: the child ends FAILED after EOS and uploads; if it does not exit in time
   * its processes are SIGKILLed and the crash-safe file is uploaded from here.
   */
  kill(error: EgressError): void {
    if (this.#killError) return;
    this.#killError = error;
    if (this.#run?.child.connected) this.#run.child.send({ type: 'kill', error: error.toJSON() });
    this.#killTimer = setTimeout(
      () => killProcessGroups(this.processGroups ?? []),
      this.#options.killDeadlineMs,
    );
  }

  /**
   * Runs the egress in `warm` (when it takes the job) or a new process, to the final info;
   * never rejects.
   */
  async run(warm: WarmProcess | undefined): Promise<EgressInfo> {
    try {
      let run = warm ? this.#start(warm.child, [...warm.pgids], true) : undefined;
      if (run && !(await run.accepted)) {
        this.#log.warn({ warmId: warm?.warmId }, 'warm egress process died before it took the job');
        // it closes its browser, display and sink on its own; what it leaves goes after
        const dead = run;
        void dead.exited.then(() => killProcessGroups(dead.groups));
        run = undefined;
      }
      run ??= this.#start(this.#options.fork(), [], false);
      const { code, signal } = await run.exited;
      this.#hasExited = true;
      clearTimeout(this.#killTimer);
      killProcessGroups(run.groups);
      this.#answerPending();
      return await this.#finalInfo(code, signal);
    } finally {
      clearTimeout(this.#killTimer);
      this.#hasExited = true;
    }
  }

  /** Runs the job in `child`: relays its messages, sends `start` and what came before. */
  #start(child: ChildProcess, knownGroups: readonly number[], isWarm: boolean): Run {
    const groups = child.pid !== undefined ? [child.pid] : [];
    for (const pgid of knownGroups) if (!groups.includes(pgid)) groups.push(pgid);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let resolveAccepted: (isAccepted: boolean) => void = () => {};
    const accepted = new Promise<boolean>((resolve) => {
      resolveAccepted = resolve;
    });
    // a warm process that is closing (its browser died) drops the channel first
    child.once('disconnect', () => resolveAccepted(false));
    void exited.then(() => resolveAccepted(false));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'accepted') resolveAccepted(true);
      else this.#onMessage(message, groups, isWarm);
    });
    this.#run = { child, groups, exited, accepted };
    const { payload } = this.#options.egress;
    const { config, tmpDir, mediaSource } = this.#options;
    const start: StartMessage = { type: 'start', payload, config, tmpDir, mediaSource };
    // a callback, so a channel that closed meanwhile is an exit to handle, not an 'error' event
    const onSent = (err: Error | null) => {
      if (err) this.#log.debug({ err }, 'egress process channel closed');
    };
    child.send(start, onSent);
    // control messages that came before the child had the job
    for (const { message } of this.#pending.values()) {
      child.send({ type: 'control', message }, onSent);
    }
    return this.#run;
  }

  #onMessage(
    message: Exclude<ChildMessage, { type: 'accepted' }>,
    groups: number[],
    isWarm: boolean,
  ) {
    switch (message.type) {
      case 'status': {
        const wasActive = this.#info.status === EgressStatus.EGRESS_ACTIVE;
        this.#info = egressInfoFromJson(message.info);
        this.#options.egress.reportStatus(this.#info);
        if (!wasActive && this.#info.status === EgressStatus.EGRESS_ACTIVE) {
          this.#options.onActive(isWarm);
        }
        return;
      }
      case 'reply':
        this.#pending.get(message.requestId)?.reply(message.reply);
        this.#pending.delete(message.requestId);
        return;
      case 'outputs':
        this.#outputs = message;
        return;
      case 'process-groups':
        for (const pgid of message.pgids) if (!groups.includes(pgid)) groups.push(pgid);
        return;
      case 'final':
        this.#final = egressInfoFromJson(message.info);
        return;
    }
  }

  /** Requests the dead child never answered get an error reply (the bridge stops waiting). */
  #answerPending(): void {
    const error = EgressError.internal('egress process exited before it answered');
    for (const [requestId, { reply }] of this.#pending) {
      reply(encodeControlReplyError(requestId, error));
    }
    this.#pending.clear();
  }

  async #finalInfo(code: number | null, signal: NodeJS.Signals | null): Promise<EgressInfo> {
    if (this.#final) return this.#final;
    const how = signal ? `signal ${signal}` : `code ${String(code)}`;
    if (!this.#killError) this.#log.error({ code, signal }, 'egress process exited unexpectedly');
    // also when it reported a final status: it may have died before its uploads
    const file = this.#outputs?.file;
    const info = file
      ? await salvageLeftFile({
          payload: this.#options.egress.payload,
          info: this.#info,
          file,
          config: this.#options.config,
          logger: this.#log,
          tmpDir: this.#options.tmpDir,
        })
      : this.#info;
    if (isFinalStatus(info.status)) return info;
    if (this.#killError) {
      // Go's end reason of a kill, unless a graceful stop ("CPU exhausted") set one first
      return markFailed(
        info,
        this.#killError,
        info.details ? {} : { endReason: END_REASONS.killed },
      );
    }
    return markFailed(info, EgressError.internal(`egress process exited unexpectedly (${how})`));
  }
}
