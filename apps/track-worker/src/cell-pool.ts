import { type ChildProcess, fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { salvageLeftFile } from '@egress/media';
import {
  type Config,
  decodeJobInfo,
  EgressError,
  egressInfoFromJson,
  encodeControlReplyError,
  isFinalStatus,
  type JobPayload,
  type Logger,
  markFailed,
} from '@egress/protocol';
import { isProcessAlive, loaderExecArgv } from '@egress/service-runtime';
import type { EgressInfo } from '@livekit/protocol';
import type { FromCellMessage, ToCellMessage } from './cell-messages.js';
import type { EgressHost, HostedEgress, RunEgressOptions } from './egress-host.js';
import type { CrashSafeFile } from './track-pool-egress.js';
import { CELL_GC_FLAGS } from './video/young-gc.js';

/** Options of {@link CellPool}. */
export interface CellPoolOptions {
  config: Config;
  logger: Logger;
  /**
   * Egresses per cell process (README: a process costs ~5 % of a core and ~110 MB, an egress
   * ~2.6 %; 10 keeps the runtime share small while a crash reaches at most 10).
   * @defaultValue 10
   */
  egressesPerCell?: number;
  /** How long an empty cell stays for the next egress, milliseconds. @defaultValue 30000 */
  idleMs?: number;
  /** How long each egress waits for its track, milliseconds (Go: 30 s). */
  trackWaitMs?: number;
}

interface Hosted {
  payload: JobPayload;
  tmpDir: string;
  file?: CrashSafeFile;
  info: EgressInfo;
  onInfo: (info: EgressInfo) => Promise<void>;
  replies: Map<string, (reply: string) => void>;
  resolve: (info: EgressInfo) => void;
}

interface Cell {
  child: ChildProcess;
  egresses: Map<string, Hosted>;
  idleTimer: NodeJS.Timeout | undefined;
  exited: Promise<void>;
}

/** The message an egress gets when its cell process died under it. */
export const CELL_CRASHED_MESSAGE = 'the process running this egress exited unexpectedly';

/**
 * Runs egresses in "cell" processes of up to `egressesPerCell` each (README: the isolation
 * model chosen by measurement). A cell that dies fails only its own egresses; their encoders
 * are separate gst-launch children, which finalize the files on stdin EOF.
 */
export class CellPool implements EgressHost {
  readonly #options: CellPoolOptions;
  readonly #log: Logger;
  readonly #perCell: number;
  readonly #cells = new Set<Cell>();
  readonly #entry: string;

  constructor(options: CellPoolOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'cell-pool' });
    this.#perCell = options.egressesPerCell ?? 10;
    if (!Number.isInteger(this.#perCell) || this.#perCell < 1) {
      throw new TypeError('CellPool: egressesPerCell must be a positive integer');
    }
    const isTs = import.meta.url.endsWith('.ts');
    this.#entry = fileURLToPath(new URL(`./cell-process.${isTs ? 'ts' : 'js'}`, import.meta.url));
  }

  /** Pids of the cell processes, for tests and metrics. */
  get pids(): number[] {
    return [...this.#cells].map((cell) => cell.child.pid ?? 0);
  }

  /** Each live cell's pid with the ids of the egresses it runs (none: an idle cell). */
  egressIdsByCell(): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const cell of this.#cells) {
      if (cell.child.pid) out.set(cell.child.pid, [...cell.egresses.keys()]);
    }
    return out;
  }

  /** The pid of the cell running an egress. */
  pidOf(egressId: string): number | undefined {
    for (const cell of this.#cells) if (cell.egresses.has(egressId)) return cell.child.pid;
    return undefined;
  }

  run(options: RunEgressOptions): HostedEgress {
    const egressId = options.payload.egressId;
    const cell = this.#pickCell();
    let resolve: (info: EgressInfo) => void = () => undefined;
    const done = new Promise<EgressInfo>((r) => {
      resolve = r;
    });
    const hosted: Hosted = {
      payload: options.payload,
      tmpDir: options.tmpDir,
      info: decodeJobInfo(options.payload),
      onInfo: options.onInfo,
      replies: new Map(),
      resolve,
    };
    cell.egresses.set(egressId, hosted);
    this.#send(cell, {
      type: 'start',
      payload: options.payload,
      config: this.#options.config,
      tmpDir: options.tmpDir,
      ...(this.#options.trackWaitMs ? { trackWaitMs: this.#options.trackWaitMs } : {}),
    });
    return {
      done,
      control: (message) =>
        new Promise<string>((resolveReply) => {
          hosted.replies.set(message.requestId, resolveReply);
          this.#send(cell, { type: 'control', egressId, message });
        }),
    };
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.#cells].flatMap((cell) =>
        [...cell.egresses.values()].map(
          (hosted) =>
            new Promise<void>((r) => {
              const original = hosted.resolve;
              hosted.resolve = (info) => {
                original(info);
                r();
              };
            }),
        ),
      ),
    );
    for (const cell of this.#cells) {
      clearTimeout(cell.idleTimer);
      if (cell.child.connected) cell.child.disconnect();
    }
    await Promise.all([...this.#cells].map((cell) => cell.exited));
  }

  #pickCell(): Cell {
    for (const cell of this.#cells) {
      if (cell.child.connected && cell.egresses.size < this.#perCell) {
        clearTimeout(cell.idleTimer);
        cell.idleTimer = undefined;
        return cell;
      }
    }
    const child = fork(this.#entry, [], {
      execArgv: [...loaderExecArgv(), ...CELL_GC_FLAGS],
      serialization: 'advanced',
      // The cell logs at the worker's level (its own root logger, JSON lines on the same stdout).
      // rtc-node's own logger runs at debug unless NODE_ENV is production (then info).
      env: {
        ...process.env,
        LOG_LEVEL: this.#options.logger.level,
        NODE_ENV: process.env.NODE_ENV ?? 'production',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const cell: Cell = {
      child,
      egresses: new Map(),
      idleTimer: undefined,
      exited: new Promise((r) => child.once('exit', () => r())),
    };
    this.#cells.add(cell);
    this.#log.debug({ pid: child.pid }, 'cell started');
    child.on('message', (message: FromCellMessage) => this.#onMessage(cell, message));
    child.on('error', (err) => this.#log.warn({ err, pid: child.pid }, 'cell error'));
    child.once('exit', (code, signal) => this.#onExit(cell, code, signal));
    return cell;
  }

  #send(cell: Cell, message: ToCellMessage): void {
    if (!cell.child.connected) return;
    cell.child.send(message, (err) => {
      if (err) this.#log.warn({ err, pid: cell.child.pid }, 'could not reach the cell');
    });
  }

  #onMessage(cell: Cell, message: FromCellMessage): void {
    const hosted = cell.egresses.get(message.egressId);
    if (!hosted) return;
    switch (message.type) {
      case 'status': {
        hosted.info = egressInfoFromJson(message.info);
        void hosted
          .onInfo(hosted.info)
          .catch((err: unknown) =>
            this.#log.warn({ err, egressId: message.egressId }, 'status relay failed'),
          );
        return;
      }
      case 'reply':
        hosted.replies.get(message.requestId)?.(message.reply);
        hosted.replies.delete(message.requestId);
        return;
      case 'file':
        hosted.file = message.file;
        return;
      case 'final': {
        cell.egresses.delete(message.egressId);
        hosted.resolve(egressInfoFromJson(message.info));
        if (cell.egresses.size === 0) this.#retireLater(cell);
        return;
      }
    }
  }

  #retireLater(cell: Cell): void {
    clearTimeout(cell.idleTimer);
    cell.idleTimer = setTimeout(() => {
      if (cell.egresses.size === 0 && cell.child.connected) cell.child.disconnect();
    }, this.#options.idleMs ?? 30_000);
    cell.idleTimer.unref();
  }

  #onExit(cell: Cell, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(cell.idleTimer);
    this.#cells.delete(cell);
    if (cell.egresses.size > 0) {
      this.#log.error({ pid: cell.child.pid, code, signal }, 'cell exited with running egresses');
    }
    const error = EgressError.internal(CELL_CRASHED_MESSAGE);
    for (const [egressId, hosted] of cell.egresses) {
      for (const [requestId, reply] of hosted.replies) {
        reply(encodeControlReplyError(requestId, error));
      }
      if (isFinalStatus(hosted.info.status)) {
        hosted.resolve(hosted.info);
        continue;
      }
      this.#log.warn({ egressId }, 'egress failed with its cell');
      // never rejects: a failed upload is logged and the file stays in the tmp folder
      void this.#saveCrashedFile(hosted).then((info) => hosted.resolve(markFailed(info, error)));
    }
    cell.egresses.clear();
  }

  // The encoder finalizes the file when its stdin closes with the dead cell; once it exited,
  // the file is uploaded like any recording and named in the FAILED info.
  async #saveCrashedFile(hosted: Hosted): Promise<EgressInfo> {
    const file = hosted.file;
    if (!file) return hosted.info;
    const deadline = Date.now() + ENCODER_EXIT_DEADLINE_MS;
    while ((await isProcessAlive(file.encoderPid)) && Date.now() < deadline) await sleep(100);
    return salvageLeftFile({
      payload: hosted.payload,
      info: hosted.info,
      file,
      config: this.#options.config,
      logger: this.#log.child({ egressId: hosted.payload.egressId }),
      tmpDir: hosted.tmpDir,
    });
  }
}

const ENCODER_EXIT_DEADLINE_MS = 15_000;
