/**
 * SIGKILLs each process group: what an egress process leaves when it dies (GStreamer and Xvfb in
 * its own group, Chromium in the one puppeteer started). A group that is gone already is fine.
 */
export function killProcessGroups(pgids: Iterable<number>): void {
  for (const pgid of pgids) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  }
}
