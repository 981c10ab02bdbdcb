import { setTimeout as sleep } from 'node:timers/promises';
import { type EgressClient, type EgressInfo, EgressStatus } from 'livekit-server-sdk';

/** `EGRESS_ACTIVE` for `EgressStatus.EGRESS_ACTIVE`. */
export function statusName(status: EgressStatus): string {
  return EgressStatus[status] ?? String(status);
}

/** Whether an egress has ended (complete, failed, aborted or limit reached). */
export function isEnded(info: EgressInfo): boolean {
  return [
    EgressStatus.EGRESS_COMPLETE,
    EgressStatus.EGRESS_FAILED,
    EgressStatus.EGRESS_ABORTED,
    EgressStatus.EGRESS_LIMIT_REACHED,
  ].includes(info.status);
}

/** The egress as the bridge knows it now (List by id). */
export async function getEgress(client: EgressClient, egressId: string): Promise<EgressInfo> {
  const [info] = await client.listEgress({ egressId });
  if (!info) throw new Error(`egress ${egressId} is not listed`);
  return info;
}

/** Options of {@link waitForEgress}. */
export interface WaitForEgressOptions {
  /** Stop waiting when this holds. */
  until: (info: EgressInfo) => boolean;
  /** Milliseconds. */
  deadlineMs: number;
  /** Called with every polled info (for a progress line). */
  onPoll?: (info: EgressInfo) => void;
  /** @defaultValue 500 */
  pollMs?: number;
  /** Ends the wait with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Polls an egress through List until `until` holds; returns that info.
 * @throws Error naming the last status (and error) when the deadline passes, or when the egress
 *   ended without `until` holding
 */
export async function waitForEgress(
  client: EgressClient,
  egressId: string,
  options: WaitForEgressOptions,
): Promise<EgressInfo> {
  const deadline = Date.now() + options.deadlineMs;
  let last: EgressInfo | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    last = await getEgress(client, egressId).catch(() => last);
    if (last) {
      options.onPoll?.(last);
      if (options.until(last)) return last;
      if (isEnded(last)) {
        throw new Error(
          `egress ${egressId} ended ${statusName(last.status)}${last.error ? `: ${last.error}` : ''}`,
        );
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `egress ${egressId} still ${last ? statusName(last.status) : 'unlisted'} after ${options.deadlineMs} ms`,
      );
    }
    await sleep(options.pollMs ?? 500, undefined, { signal: options.signal }).catch(() => {
      options.signal?.throwIfAborted();
    });
  }
}

/**
 * Seconds each egress has been recording, on this process's clock: from the first poll that saw
 * it ACTIVE to the first that saw it ended (EgressInfo's own `startedAt` is stamped when the
 * request is created, as Go does, so it counts the start-up too).
 */
export class RecordingClock {
  readonly #activeAtMs = new Map<string, number>();
  readonly #endedAtMs = new Map<string, number>();

  /** Notes one polled info. */
  observe(info: EgressInfo, nowMs = Date.now()): void {
    const id = info.egressId;
    if (info.status === EgressStatus.EGRESS_ACTIVE && !this.#activeAtMs.has(id)) {
      this.#activeAtMs.set(id, nowMs);
    }
    if (isEnded(info) && !this.#endedAtMs.has(id)) this.#endedAtMs.set(id, nowMs);
  }

  /** Seconds recorded so far (0 before ACTIVE). */
  seconds(egressId: string, nowMs = Date.now()): number {
    const activeAt = this.#activeAtMs.get(egressId);
    if (activeAt === undefined) return 0;
    return ((this.#endedAtMs.get(egressId) ?? nowMs) - activeAt) / 1000;
  }
}
