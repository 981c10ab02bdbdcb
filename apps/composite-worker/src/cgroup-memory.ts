import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The usage file and the page-cache key to subtract, for cgroup v2 then v1. */
const LAYOUTS = [
  { usage: 'memory.current', stat: 'memory.stat', inactiveKey: 'inactive_file' },
  {
    usage: 'memory/memory.usage_in_bytes',
    stat: 'memory/memory.stat',
    inactiveKey: 'total_inactive_file',
  },
] as const;

/**
 * The memory this cgroup (the worker's container) uses, in bytes, as Go's `memory_source: cgroup`
 * reads it (livekit/protocol hwstats): the usage less the inactive page cache, which the kernel
 * reclaims before it kills anything. Undefined when no cgroup memory controller can be read; Go
 * then falls back to `proc_rss`.
 * @param root - the cgroup file system. @defaultValue '/sys/fs/cgroup'
 */
export async function readCgroupMemoryBytes(root = '/sys/fs/cgroup'): Promise<number | undefined> {
  // A file that cannot be read means this layout (v1 or v2) is not the machine's: the next is
  // tried, and none at all is Go's fallback to proc_rss (undefined).
  for (const layout of LAYOUTS) {
    const usage = Number((await readFile(join(root, layout.usage), 'utf8').catch(() => '')).trim());
    if (!(usage > 0)) continue;
    const stat = await readFile(join(root, layout.stat), 'utf8').catch(() => '');
    const line = stat.split('\n').find((l) => l.startsWith(`${layout.inactiveKey} `));
    const inactive = Number(line?.split(' ')[1] ?? 0);
    return inactive > 0 && inactive < usage ? usage - inactive : usage;
  }
  return undefined;
}
