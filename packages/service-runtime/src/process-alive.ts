import { readFile } from 'node:fs/promises';

/**
 * Whether a process lives, from Linux `/proc`. A zombie (exited, not yet waited for) counts as
 * gone: a finished child whose parent died lingers as one until its new parent reaps it, and
 * signal 0 still reaches it.
 */
export async function isProcessAlive(pid: number): Promise<boolean> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // ENOENT: the process is gone.
    return false;
  }
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}
