import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** Linux `USER_HZ`: /proc times are in these ticks on every mainstream architecture. */
const TICKS_PER_SEC = 100;
/** Memory page size when `getconf PAGESIZE` cannot tell (x86-64, most arm64 kernels). */
const DEFAULT_PAGE_BYTES = 4096;

/** What one process group used over the last interval. */
export interface GroupUsage {
  /** Cores used since the previous sample. */
  cpu: number;
  /** Resident memory now, in bytes. */
  rssBytes: number;
}

/** One sample: the wanted groups, and every process this worker can see. */
export interface UsageSample {
  /** Usage of each wanted process group (zeros for a group with no process left). */
  groups: Map<number, GroupUsage>;
  /** Cores every visible process used (Go's node load counts them all). */
  nodeCpu: number;
  /** Resident memory of every visible process, in bytes (Go's `proc_rss`). */
  nodeRssBytes: number;
}

interface ProcStat {
  pgid: number;
  ticks: number;
  rssPages: number;
}

/**
 * CPU and memory per process group, from /proc, as Go's monitor measures each handler (Chromium,
 * Xvfb and GStreamer count toward the egress that started them), plus the totals of every
 * process it can see (in a container: the container), which Go's CPU and memory kills compare
 * with the limits. Each egress child leads its own group, so its pid is the group id. Call
 * {@link ProcessGroupUsage.sample} about once a second.
 */
export class ProcessGroupUsage {
  readonly #procDir: string;
  #last = new Map<number, ProcStat>();
  #lastAtMs = 0;
  #pageBytes: Promise<number> | undefined;

  /** @param procDir - the proc file system. @defaultValue '/proc' */
  constructor(procDir = '/proc') {
    this.#procDir = procDir;
  }

  /**
   * Usage since the previous call (CPU 0 on the first call for a process). Processes that exited
   * in between drop out; new ones count their whole time so far. With no `pgids` it reads
   * nothing and returns zeros.
   */
  async sample(pgids: readonly number[]): Promise<UsageSample> {
    this.#pageBytes ??= pageSize();
    const pageBytes = await this.#pageBytes;
    const nowMs = performance.now();
    const groups = new Map<number, GroupUsage>(pgids.map((g) => [g, { cpu: 0, rssBytes: 0 }]));
    const result: UsageSample = { groups, nodeCpu: 0, nodeRssBytes: 0 };
    if (pgids.length === 0) {
      // an idle worker has nothing to measure or kill: no /proc walk
      this.#last = new Map();
      this.#lastAtMs = nowMs;
      return result;
    }
    let entries: string[];
    try {
      entries = await readdir(this.#procDir);
    } catch {
      return result;
    }
    const current = new Map<number, ProcStat>();
    await Promise.all(
      entries
        .filter((name) => /^\d+$/.test(name))
        .map(async (name) => {
          const stat = await readStat(`${this.#procDir}/${name}/stat`);
          if (stat) current.set(Number(name), stat);
        }),
    );
    const elapsedSec = this.#lastAtMs > 0 ? (nowMs - this.#lastAtMs) / 1000 : 0;
    for (const [pid, stat] of current) {
      const before = this.#last.get(pid);
      const ticks = before && before.pgid === stat.pgid ? stat.ticks - before.ticks : 0;
      const cpu = elapsedSec > 0 ? Math.max(0, ticks) / TICKS_PER_SEC / elapsedSec : 0;
      const rssBytes = stat.rssPages * pageBytes;
      result.nodeCpu += cpu;
      result.nodeRssBytes += rssBytes;
      const group = groups.get(stat.pgid);
      if (group) {
        group.cpu += cpu;
        group.rssBytes += rssBytes;
      }
    }
    this.#last = current;
    this.#lastAtMs = nowMs;
    return result;
  }
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

async function readStat(path: string): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined; // the process exited meanwhile
  }
  // the command name may hold spaces and parentheses: fields start after the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(fields[2]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssPages = Number(fields[21]);
  if (!Number.isFinite(pgid) || !Number.isFinite(ticks) || !Number.isFinite(rssPages)) {
    return undefined;
  }
  return { pgid, ticks, rssPages };
}
