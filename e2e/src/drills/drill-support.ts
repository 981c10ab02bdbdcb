import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DirectFileOutput,
  type EgressClient,
  type EgressInfo,
  EgressStatus,
} from 'livekit-server-sdk';
import type { AppProcess } from '../demo/app-process.js';
import {
  type EgressStack,
  type EgressStackOptions,
  startEgressStack,
} from '../demo/egress-stack.js';
import { RecordingClock, waitForEgress } from '../demo/egress-watch.js';
import { testRedisAddress } from '../test-env.js';

interface ProcInfo {
  pid: number;
  ppid: number;
  isZombie: boolean;
  cmdline: string;
}

async function readProc(pid: string): Promise<ProcInfo | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (stat === '') return undefined;
  // Fields after the `(comm)`: state, ppid, ...; comm may hold spaces, so split after it.
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return { pid: Number(pid), ppid: Number(ppid), isZombie: state === 'Z', cmdline };
}

async function allProcs(): Promise<Map<number, ProcInfo>> {
  const procs = new Map<number, ProcInfo>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const proc = await readProc(name);
    if (proc && !proc.isZombie) procs.set(proc.pid, proc);
  }
  return procs;
}

/** Options of {@link startTrackDrillStack}. */
export type TrackDrillStackOptions = Pick<EgressStackOptions, 'outputDir' | 'room' | 'config'> &
  Partial<Pick<EgressStackOptions, 'redisAddress' | 'redisDb'>>;

/**
 * The stack of a track pool drill: the bridge and one track worker (logging warnings only) and
 * a 440 Hz tone bot in `room`, on the test run's Redis unless `redisAddress` is given.
 */
export function startTrackDrillStack(options: TrackDrillStackOptions): Promise<EgressStack> {
  return startEgressStack({
    redisAddress: testRedisAddress() ?? '',
    workers: ['track-worker'],
    logLevel: 'warn',
    bots: [{ identity: 'tone', kind: 'audio', toneHz: 440 }],
    ...options,
  });
}

/** The (first) process of a service in the stack. */
export function appOf(stack: EgressStack, app: AppProcess['app']): AppProcess {
  const found = stack.apps.find((a) => a.app === app);
  if (!found) throw new Error(`the stack runs no ${app}`);
  return found;
}

/** Pids of the live children of `parentPid` whose command line contains `text`. */
export async function childPids(parentPid: number, text: string): Promise<number[]> {
  const procs = await allProcs();
  return [...procs.values()]
    .filter((p) => p.ppid === parentPid && p.cmdline.includes(text))
    .map((p) => p.pid);
}

/**
 * The child of `parentPid` that runs an egress: the one above the processes naming the egress
 * id (GStreamer writes under a folder named after it), as warm children wait beside it.
 */
export async function egressChildPid(parentPid: number, egressId: string): Promise<number> {
  const procs = await allProcs();
  for (const proc of procs.values()) {
    if (!proc.cmdline.includes(egressId)) continue;
    for (let p: ProcInfo | undefined = proc; p; p = procs.get(p.ppid)) {
      if (p.ppid === parentPid) return p.pid;
    }
  }
  throw new Error(`no process of egress ${egressId} under pid ${parentPid}`);
}

/** Whether a process is alive (not gone and not a zombie). */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** Polls `check` every 200 ms until it returns a value other than `undefined`. */
export async function pollUntil<T>(
  what: string,
  deadlineMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await sleep(200);
  }
}

/** Requests a track egress of the stack's first bot's audio to an OGG file. */
export function requestAudioFileEgress(
  stack: EgressStack,
  room: string,
  filepath: string,
): Promise<EgressInfo> {
  const trackSid = stack.bots[0]?.publications.audio?.sid ?? '';
  return stack.client.startTrackEgress(room, new DirectFileOutput({ filepath }), trackSid);
}

/**
 * Starts a track egress of the stack's first bot's audio to an OGG file and waits until it is
 * ACTIVE; `clock` then tells how long it has recorded.
 */
export async function startAudioFileEgress(
  stack: EgressStack,
  room: string,
  filepath: string,
  clock: RecordingClock = new RecordingClock(),
): Promise<EgressInfo> {
  const started = await requestAudioFileEgress(stack, room, filepath);
  return waitActive(stack.client, started.egressId, clock);
}

/** The egresses a worker says it runs (its `/health`). */
export async function runningOn(worker: AppProcess): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${worker.healthPort}/health`);
  const body = (await res.json()) as { activeEgressIds?: unknown };
  return Array.isArray(body.activeEgressIds) ? body.activeEgressIds.map(String) : [];
}

/** Waits until an egress is ACTIVE (a minute at most), noting it on `clock`. */
export function waitActive(
  client: EgressClient,
  egressId: string,
  clock: RecordingClock,
): Promise<EgressInfo> {
  return waitForEgress(client, egressId, {
    until: (i) => i.status === EgressStatus.EGRESS_ACTIVE,
    deadlineMs: 60_000,
    onPoll: (i) => clock.observe(i),
  });
}

/** Waits until `clock` has seen an egress record for `seconds`. */
export async function recordFor(
  clock: RecordingClock,
  egressId: string,
  seconds: number,
): Promise<void> {
  while (clock.seconds(egressId) < seconds) await sleep(100);
}
