import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** Linux `USER_HZ`: /proc times are in these ticks on every mainstream architecture. */
export const TICKS_PER_SEC = 100;
/** Memory page size when `getconf PAGESIZE` cannot tell (x86-64, most arm64 kernels). */
const DEFAULT_PAGE_BYTES = 4096;
/** A parent chain this deep is a loop from a racing read, not a real tree. */
const MAX_TREE_DEPTH = 64;

/**
 * Which processes count toward a leader pid: its process `group` (the leader's pid is the group
 * id) or its process `tree` (the leader and all its descendants).
 */
export type ProcessSelection = 'group' | 'tree';

/** What one leader's processes used. */
export interface LeaderUsage {
  /** Cores used since the previous sample (0 on the first). */
  cpu: number;
  /** Resident memory now, in bytes. */
  rssBytes: number;
}

/** One sample: the wanted leaders, and every process this worker can see. */
export interface UsageSample {
  /** Usage of each wanted leader's processes (zeros for a leader with no process left). */
  byLeader: Map<number, LeaderUsage>;
  /** Cores every visible process used (Go's node load counts them all). */
  nodeCpu: number;
  /** Resident memory of every visible process, in bytes (Go's `proc_rss`). */
  nodeRssBytes: number;
}

/** Options of {@link ProcessUsage}. */
export interface ProcessUsageOptions {
  /** Which processes count toward a leader. */
  select: ProcessSelection;
  /** The proc file system. @defaultValue '/proc' */
  procDir?: string;
}

/** The fields of a `/proc/<pid>/stat` (or `/proc/<pid>/task/<tid>/stat`) that are used here. */
export interface ProcStat {
  /** The command (thread) name. */
  name: string;
  ppid: number;
  pgid: number;
  /** utime + stime, ticks. */
  ticks: number;
  rssPages: number;
}

/**
 * CPU and memory per leader pid from /proc, as Go's monitor measures each handler, plus the
 * totals of every process it can see (in a container: the container), which Go's CPU and memory
 * kills compare with the limits. The composite worker selects process groups (each egress child
 * leads its own, so Chromium, Xvfb and GStreamer count toward the egress that started them); the
 * track worker selects process trees (a cell and its `gst-launch-1.0` encoder children). Call
 * {@link ProcessUsage.sample} about once a second.
 */
export class ProcessUsage {
  readonly #procDir: string;
  readonly #select: ProcessSelection;
  #last = new Map<number, ProcStat>();
  #lastAtMs = 0;
  #pageBytes: Promise<number> | undefined;

  constructor(options: ProcessUsageOptions) {
    this.#select = options.select;
    this.#procDir = options.procDir ?? '/proc';
  }

  /**
   * Usage since the previous call. A process counts no CPU on the first call that sees it (nor
   * when its pid now names a process of another group); processes that exited in between drop
   * out. With no `leaders` it reads nothing and returns zeros.
   */
  async sample(leaders: readonly number[]): Promise<UsageSample> {
    this.#pageBytes ??= pageSize();
    const pageBytes = await this.#pageBytes;
    const nowMs = performance.now();
    const byLeader = new Map<number, LeaderUsage>(leaders.map((l) => [l, { cpu: 0, rssBytes: 0 }]));
    const result: UsageSample = { byLeader, nodeCpu: 0, nodeRssBytes: 0 };
    if (leaders.length === 0) {
      // an idle worker has nothing to measure or kill: no /proc walk
      this.#last = new Map();
      this.#lastAtMs = nowMs;
      return result;
    }
    const current = await readAll(this.#procDir);
    const leaderOf =
      this.#select === 'group'
        ? (pid: number) => current.get(pid)?.pgid
        : treeLeaders(current, new Set(leaders));
    const elapsedSec = this.#lastAtMs > 0 ? (nowMs - this.#lastAtMs) / 1000 : 0;
    for (const [pid, stat] of current) {
      const before = this.#last.get(pid);
      const ticks = before && before.pgid === stat.pgid ? stat.ticks - before.ticks : 0;
      const cpu = elapsedSec > 0 ? Math.max(0, ticks) / TICKS_PER_SEC / elapsedSec : 0;
      const rssBytes = stat.rssPages * pageBytes;
      result.nodeCpu += cpu;
      result.nodeRssBytes += rssBytes;
      const leader = leaderOf(pid);
      const usage = leader === undefined ? undefined : byLeader.get(leader);
      if (usage) {
        usage.cpu += cpu;
        usage.rssBytes += rssBytes;
      }
    }
    this.#last = current;
    this.#lastAtMs = nowMs;
    return result;
  }
}

/** The stat of every process in `procDir` (none when it cannot be read). */
async function readAll(procDir: string): Promise<Map<number, ProcStat>> {
  const stats = new Map<number, ProcStat>();
  let names: string[];
  try {
    names = await readdir(procDir);
  } catch {
    return stats;
  }
  await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const stat = await readProcStat(`${procDir}/${name}/stat`);
        if (stat) stats.set(Number(name), stat);
      }),
  );
  return stats;
}

/** The leader whose tree holds a process (walking up its parents), for processes under one. */
function treeLeaders(
  stats: Map<number, ProcStat>,
  leaders: Set<number>,
): (pid: number) => number | undefined {
  const memo = new Map<number, number | undefined>();
  const find = (pid: number, depth: number): number | undefined => {
    if (leaders.has(pid)) return pid;
    if (memo.has(pid)) return memo.get(pid);
    const ppid = stats.get(pid)?.ppid;
    // pid 1 (init) and a too deep chain end the walk
    const leader =
      ppid === undefined || ppid <= 1 || depth > MAX_TREE_DEPTH ? undefined : find(ppid, depth + 1);
    memo.set(pid, leader);
    return leader;
  };
  return (pid) => find(pid, 0);
}

async function pageSize(): Promise<number> {
  try {
    const { stdout } = await promisify(execFile)('getconf', ['PAGESIZE']);
    const bytes = Number(stdout.trim());
    return bytes > 0 ? bytes : DEFAULT_PAGE_BYTES;
  } catch {
    return DEFAULT_PAGE_BYTES; // no getconf: the common page size
  }
}

/** Reads a `stat` file of /proc; undefined when it is gone (the process or thread exited). */
export async function readProcStat(path: string): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined; // the process exited meanwhile
  }
  // the command name may hold spaces and parentheses: fields start after the last ')'
  const nameEnd = text.lastIndexOf(')');
  const name = text.slice(text.indexOf('(') + 1, nameEnd);
  const fields = text.slice(nameEnd + 2).split(' ');
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssPages = Number(fields[21]);
  if (![ppid, pgid, ticks, rssPages].every(Number.isFinite)) return undefined;
  return { name, ppid, pgid, ticks, rssPages };
}
