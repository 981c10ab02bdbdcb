import { readdir, readFile } from 'node:fs/promises';

/** Linux `USER_HZ`: /proc times are in these ticks on every mainstream architecture. */
const TICKS_PER_SEC = 100;

interface Sample {
  pgid: number;
  ticks: number;
}

/**
 * CPU use per process group, from /proc, as Go's monitor measures each handler (Chromium,
 * Xvfb and GStreamer count toward the egress that started them). Each egress child leads its
 * own group, so its pid is the group id. Call {@link ProcessGroupCpu.sample} about once a second.
 */
export class ProcessGroupCpu {
  readonly #procDir: string;
  #last = new Map<number, Sample>();
  #lastAtMs = 0;

  /** @param procDir - the proc file system. @defaultValue '/proc' */
  constructor(procDir = '/proc') {
    this.#procDir = procDir;
  }

  /**
   * Cores each of `pgids` used since the previous call (0 on the first call for a process).
   * Processes that exited in between drop out; new ones count their whole time so far.
   */
  async sample(pgids: readonly number[]): Promise<Map<number, number>> {
    const wanted = new Set(pgids);
    const nowMs = performance.now();
    const current = new Map<number, Sample>();
    const usage = new Map<number, number>(pgids.map((g) => [g, 0]));
    if (wanted.size === 0) {
      this.#last = current;
      this.#lastAtMs = nowMs;
      return usage;
    }
    let entries: string[];
    try {
      entries = await readdir(this.#procDir);
    } catch {
      return usage;
    }
    await Promise.all(
      entries
        .filter((name) => /^\d+$/.test(name))
        .map(async (name) => {
          const pid = Number(name);
          const sample = await readStat(`${this.#procDir}/${name}/stat`);
          if (sample && wanted.has(sample.pgid)) current.set(pid, sample);
        }),
    );
    const elapsedSec = this.#lastAtMs > 0 ? (nowMs - this.#lastAtMs) / 1000 : 0;
    if (elapsedSec > 0) {
      for (const [pid, sample] of current) {
        const before = this.#last.get(pid);
        const ticks = before && before.pgid === sample.pgid ? sample.ticks - before.ticks : 0;
        const cores = Math.max(0, ticks) / TICKS_PER_SEC / elapsedSec;
        usage.set(sample.pgid, (usage.get(sample.pgid) ?? 0) + cores);
      }
    }
    this.#last = current;
    this.#lastAtMs = nowMs;
    return usage;
  }
}

async function readStat(path: string): Promise<Sample | undefined> {
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
  if (!Number.isFinite(pgid) || !Number.isFinite(ticks)) return undefined;
  return { pgid, ticks };
}
