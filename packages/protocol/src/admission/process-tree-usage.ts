import { readdir, readFile } from 'node:fs/promises';

/** Linux `USER_HZ`: /proc times are in these ticks on every mainstream architecture. */
const TICKS_PER_SEC = 100;
/** Memory page size of x86-64 and most arm64 kernels (RSS in /proc/<pid>/stat is in pages). */
const PAGE_BYTES = 4096;

/** What one process tree used. */
export interface TreeUsage {
  /** Cores used since the previous sample (0 on the first). */
  cpu: number;
  /** Resident memory now, bytes. */
  rssBytes: number;
}

interface ProcStat {
  ppid: number;
  /** utime + stime, ticks. */
  ticks: number;
  rssPages: number;
}

/**
 * CPU and memory per process tree (a root and all its descendants), from /proc: the track
 * worker's cells run several egresses each, with one `gst-launch-1.0` encoder child per egress,
 * so a cell's tree is what its egresses cost (Go's monitor sums each handler's processes the same
 * way). Call {@link ProcessTreeUsage.sample} about once a second.
 */
export class ProcessTreeUsage {
  readonly #procDir: string;
  #last = new Map<number, number>();
  #lastAtMs = 0;

  /** @param procDir - the proc file system. @defaultValue '/proc' */
  constructor(procDir = '/proc') {
    this.#procDir = procDir;
  }

  /**
   * Usage of each root's tree since the previous call. A process that exited in between drops
   * out; one that started counts its whole time so far.
   */
  async sample(roots: readonly number[]): Promise<Map<number, TreeUsage>> {
    const stats = await this.#readAll();
    const nowMs = performance.now();
    const elapsedSec = this.#lastAtMs > 0 ? (nowMs - this.#lastAtMs) / 1000 : 0;
    const rootOf = treeRoots(stats, new Set(roots));
    const usage = new Map<number, TreeUsage>(roots.map((r) => [r, { cpu: 0, rssBytes: 0 }]));
    const ticksNow = new Map<number, number>();
    for (const [pid, root] of rootOf) {
      const stat = stats.get(pid);
      const tree = usage.get(root);
      if (!stat || !tree) continue;
      ticksNow.set(pid, stat.ticks);
      tree.rssBytes += stat.rssPages * PAGE_BYTES;
      const before = this.#last.get(pid);
      if (elapsedSec > 0 && before !== undefined) {
        tree.cpu += Math.max(0, stat.ticks - before) / TICKS_PER_SEC / elapsedSec;
      }
    }
    this.#last = ticksNow;
    this.#lastAtMs = nowMs;
    return usage;
  }

  async #readAll(): Promise<Map<number, ProcStat>> {
    const stats = new Map<number, ProcStat>();
    let names: string[];
    try {
      names = await readdir(this.#procDir);
    } catch {
      return stats;
    }
    await Promise.all(
      names
        .filter((name) => /^\d+$/.test(name))
        .map(async (name) => {
          const stat = await readStat(`${this.#procDir}/${name}/stat`);
          if (stat) stats.set(Number(name), stat);
        }),
    );
    return stats;
  }
}

/** The root each process belongs to (walking up its parents), for processes under a root. */
function treeRoots(stats: Map<number, ProcStat>, roots: Set<number>): Map<number, number> {
  const memo = new Map<number, number | null>();
  const find = (pid: number, depth: number): number | null => {
    if (roots.has(pid)) return pid;
    const known = memo.get(pid);
    if (known !== undefined) return known;
    const ppid = stats.get(pid)?.ppid;
    // pid 1 (init) and a too deep chain (a loop in a racing read) end the walk.
    const root = ppid === undefined || ppid <= 1 || depth > 64 ? null : find(ppid, depth + 1);
    memo.set(pid, root);
    return root;
  };
  const rootOf = new Map<number, number>();
  for (const pid of stats.keys()) {
    const root = find(pid, 0);
    if (root !== null) rootOf.set(pid, root);
  }
  return rootOf;
}

async function readStat(path: string): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined; // the process exited meanwhile
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssPages = Number(fields[21]);
  if (![ppid, ticks, rssPages].every(Number.isFinite)) return undefined;
  return { ppid, ticks, rssPages };
}
