import { setTimeout as sleep } from 'node:timers/promises';
import { type EgressClient, type EgressInfo, EgressStatus } from 'livekit-server-sdk';
import { RecordingClock, waitForEgress } from '../demo/egress-watch.js';

/** Options of {@link recordEgress}. */
export interface RecordEgressOptions {
  /** How long to record once ACTIVE, seconds (on this process's clock). */
  recordSec: number;
  /** Runs once the egress is ACTIVE (List checks, controls); its time counts as recording. */
  whileActive?: (active: EgressInfo) => Promise<void>;
  /** How long to wait for ACTIVE and then for the end, milliseconds. @defaultValue 120000 */
  deadlineMs?: number;
}

/** What one egress went through in {@link recordEgress}. */
export interface RecordedEgress {
  /** The first info seen ACTIVE. */
  active: EgressInfo;
  /** What StopEgress answered. */
  stopped: EgressInfo;
  /** The final info (COMPLETE). */
  ended: EgressInfo;
  /** Seconds from the first poll that saw it ACTIVE to StopEgress's answer. */
  recordedSec: number;
}

/**
 * Takes one started egress through its whole life through the Twirp door: waits for ACTIVE,
 * records `recordSec`, calls StopEgress and waits for COMPLETE.
 * @throws Error when it ends otherwise (its status and error in the message) or a deadline passes
 */
export async function recordEgress(
  client: EgressClient,
  egressId: string,
  options: RecordEgressOptions,
): Promise<RecordedEgress> {
  const deadlineMs = options.deadlineMs ?? 120_000;
  const clock = new RecordingClock();
  const observe = (info: EgressInfo) => clock.observe(info);
  const active = await waitForEgress(client, egressId, {
    until: (i) => i.status === EgressStatus.EGRESS_ACTIVE,
    deadlineMs,
    onPoll: observe,
  });
  await options.whileActive?.(active);
  while (clock.seconds(egressId) < options.recordSec) await sleep(100);
  const stopped = await client.stopEgress(egressId);
  // Up to the stop's answer: the first poll that sees it ended may come much later when loaded.
  const recordedSec = clock.seconds(egressId);
  const ended = await waitForEgress(client, egressId, {
    until: (i) => i.status === EgressStatus.EGRESS_COMPLETE,
    deadlineMs,
  });
  return { active, stopped, ended, recordedSec };
}

/** How far an output's duration may be from the one its egress reports, seconds (Go: ±1 s). */
export const DURATION_TOLERANCE_SEC = 1;

/**
 * How an output's duration misses, in words, or `undefined` when it matches: within
 * {@link DURATION_TOLERANCE_SEC} of the duration the egress reports for its file (Go's
 * integration check), and no shorter than the time the egress was seen ACTIVE, less the
 * tolerance (nothing recorded was lost). A loaded machine may record a little longer than it was
 * seen ACTIVE: the pipeline runs until its EOS has gone through, as in Go.
 */
export function durationMismatch(
  outputSec: number,
  ended: EgressInfo,
  recordedSec: number,
): string | undefined {
  const reportedNs = ended.fileResults[0]?.duration;
  const reportedSec = reportedNs === undefined ? recordedSec : Number(reportedNs) / 1e9;
  if (Math.abs(outputSec - reportedSec) > DURATION_TOLERANCE_SEC) {
    return `output ${outputSec.toFixed(2)} s, reported ${reportedSec.toFixed(2)} s`;
  }
  if (outputSec < recordedSec - DURATION_TOLERANCE_SEC) {
    return `output ${outputSec.toFixed(2)} s, shorter than active ${recordedSec.toFixed(2)} s`;
  }
  return undefined;
}
