import { readdir, readFile } from 'node:fs/promises';
import { readProcStat, TICKS_PER_SEC } from '@egress/service-runtime';

/** utime + stime ticks of every thread of `roots` and their descendants, by "pid/tid". */
type ThreadTicks = Map<string, { name: string; isMain: boolean; ticks: number }>;

/**
 * Where a process tree's CPU goes, thread by thread, over a window: bench/track shows it for the
 * video rows so that a run's number explains itself (x264's thread, libwebrtc's decoder, Node's
 * main thread and V8's helpers). Linux only (/proc).
 */
export class ThreadUsage {
  readonly #roots: readonly number[];
  #start: ThreadTicks | undefined;
  #startMs = 0;

  constructor(roots: readonly number[]) {
    this.#roots = roots;
  }

  /** Starts the window. */
  async start(): Promise<void> {
    this.#start = await readThreads(this.#roots);
    this.#startMs = performance.now();
  }

  /**
   * Cores used over the window by thread name, busiest first (threads of one name summed;
   * a Node process's main thread is `node main`, its other threads `node` (V8's helpers)).
   */
  async stop(): Promise<Array<{ name: string; cores: number }>> {
    const end = await readThreads(this.#roots);
    const seconds = (performance.now() - this.#startMs) / 1000;
    const byName = new Map<string, number>();
    for (const [key, thread] of end) {
      const ticks = thread.ticks - (this.#start?.get(key)?.ticks ?? 0);
      const name = thread.isMain && thread.name === 'node' ? 'node main' : thread.name;
      byName.set(name, (byName.get(name) ?? 0) + ticks / TICKS_PER_SEC / seconds);
    }
    return [...byName].map(([name, cores]) => ({ name, cores })).sort((a, b) => b.cores - a.cores);
  }
}

async function readThreads(roots: readonly number[]): Promise<ThreadTicks> {
  const threads: ThreadTicks = new Map();
  const pending = [...roots];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    for (const tid of tids) {
      const dir = `/proc/${pid}/task/${tid}`;
      const [stat, children] = await Promise.all([
        readProcStat(`${dir}/stat`),
        readFile(`${dir}/children`, 'utf8').catch(() => ''),
      ]);
      if (!stat) continue;
      threads.set(`${pid}/${tid}`, {
        name: stat.name,
        isMain: tid === String(pid),
        ticks: stat.ticks,
      });
      pending.push(...children.split(' ').filter(Boolean).map(Number));
    }
  }
  return threads;
}
