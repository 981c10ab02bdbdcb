import { type EgressInfo, EgressStatus, StreamInfo_Status } from '@livekit/protocol';
import { EgressError, egressErrorCodeOf, GO_MESSAGES } from '../errors.js';
import { syncLegacyResult } from './legacy-result.js';
import { msToNs } from './ns-time.js';

/** Go's end reasons (protocol `livekit.EndReason*`), written to `details` as `End reason: X`. */
export const END_REASONS = {
  api: 'StopEgress API',
  sourceClosed: 'Source closed',
  streamsStopped: 'All streams stopped',
  killed: 'Process killed',
  limitReached: 'Session limit reached',
  cpuExhausted: 'CPU exhausted',
  failure: 'Failure',
} as const;

/** One of {@link END_REASONS}. */
export type EndReason = (typeof END_REASONS)[keyof typeof END_REASONS];

/** `EgressInfo.details` for an end reason, as Go's `SetEndReason`. */
export function endReasonDetails(reason: EndReason): string {
  return `End reason: ${reason}`;
}

/** Options of every transition. */
export interface TransitionOptions {
  /** Time of the change, epoch milliseconds. @defaultValue `Date.now()` */
  nowMs?: number;
}

/** Options of transitions that may record why the egress ends. */
export interface EndingOptions extends TransitionOptions {
  /** Written to `details` as `End reason: X`. */
  endReason?: EndReason;
}

const FINAL_STATUSES: ReadonlySet<EgressStatus> = new Set([
  EgressStatus.EGRESS_COMPLETE,
  EgressStatus.EGRESS_FAILED,
  EgressStatus.EGRESS_ABORTED,
  EgressStatus.EGRESS_LIMIT_REACHED,
]);

/** Whether an egress in this status has ended (COMPLETE, FAILED, ABORTED, LIMIT_REACHED). */
export function isFinalStatus(status: EgressStatus): boolean {
  return FINAL_STATUSES.has(status);
}

const S = EgressStatus;

/**
 * The statuses each target may be entered from. Final states are final, with one exception kept
 * from Go: LIMIT_REACHED is set while the pipeline still drains, so a failure while finishing
 * (an upload, say) may still turn it into FAILED.
 */
const ALLOWED_FROM: Record<EgressStatus, readonly EgressStatus[]> = {
  [S.EGRESS_STARTING]: [],
  [S.EGRESS_ACTIVE]: [S.EGRESS_STARTING],
  [S.EGRESS_ENDING]: [S.EGRESS_ACTIVE],
  [S.EGRESS_COMPLETE]: [S.EGRESS_ACTIVE, S.EGRESS_ENDING],
  [S.EGRESS_FAILED]: [S.EGRESS_STARTING, S.EGRESS_ACTIVE, S.EGRESS_ENDING, S.EGRESS_LIMIT_REACHED],
  [S.EGRESS_ABORTED]: [S.EGRESS_STARTING],
  [S.EGRESS_LIMIT_REACHED]: [S.EGRESS_ACTIVE, S.EGRESS_ENDING],
};

/** Whether the lifecycle allows moving from `from` to `to`. */
export function canTransition(from: EgressStatus, to: EgressStatus): boolean {
  return ALLOWED_FROM[to].includes(from);
}

function statusName(status: EgressStatus): string {
  return EgressStatus[status] ?? String(status);
}

// Checks the move, then changes a clone: callers' objects are never mutated.
function transition(
  info: EgressInfo,
  to: EgressStatus,
  nowMs: number | undefined,
  change: (next: EgressInfo, nowNs: bigint) => void,
): EgressInfo {
  if (!canTransition(info.status, to)) {
    throw EgressError.failedPrecondition(
      `egress ${info.egressId} is ${statusName(info.status)} and cannot become ${statusName(to)}`,
    );
  }
  const nowNs = msToNs(nowMs ?? Date.now());
  const next = info.clone();
  next.status = to;
  next.updatedAt = nowNs;
  change(next, nowNs);
  return syncLegacyResult(next);
}

function endedAt(next: EgressInfo, nowNs: bigint): void {
  next.endedAt = nowNs;
}

// Go's Stream.UpdateEndTime plus the final stream status: streams still ACTIVE become FINISHED,
// or FAILED when the egress failed (controller.go Close / updateEndTime).
function endStreams(next: EgressInfo, status: StreamInfo_Status, nowNs: bigint): void {
  for (const stream of next.streamResults) {
    if (stream.status !== StreamInfo_Status.ACTIVE) continue;
    stream.status = status;
    stream.endedAt = nowNs;
    if (stream.startedAt === 0n) stream.startedAt = nowNs;
    else stream.duration = nowNs - stream.startedAt;
  }
}

const RTMP_SCHEME = /^(rtmps?|mux|twitch):/i;

/**
 * STARTING → ACTIVE, when the pipeline plays (after the start signal). As Go's
 * `updateStartTime`, stamps `started_at` on every file, segment and image result and on every
 * active non-RTMP stream (RTMP streams are stamped when each connects). `EgressInfo.started_at`
 * keeps its creation time, as in Go.
 * @throws failed_precondition unless the egress is STARTING.
 */
export function markActive(info: EgressInfo, options: TransitionOptions = {}): EgressInfo {
  return transition(info, S.EGRESS_ACTIVE, options.nowMs, (next, nowNs) => {
    for (const file of next.fileResults) file.startedAt = nowNs;
    for (const segments of next.segmentResults) segments.startedAt = nowNs;
    for (const images of next.imageResults) images.startedAt = nowNs;
    for (const stream of next.streamResults) {
      if (stream.status === StreamInfo_Status.ACTIVE && !RTMP_SCHEME.test(stream.url)) {
        stream.startedAt = nowNs;
      }
    }
  });
}

/**
 * ACTIVE → ENDING, when the pipeline is told to finish (EOS sent), with `details` set to the end
 * reason, as Go's `SendEOS`.
 * @throws failed_precondition unless the egress is ACTIVE.
 */
export function markEnding(
  info: EgressInfo,
  endReason: EndReason,
  options: TransitionOptions = {},
): EgressInfo {
  return transition(info, S.EGRESS_ENDING, options.nowMs, (next) => {
    next.details = endReasonDetails(endReason);
  });
}

/**
 * ACTIVE or ENDING → COMPLETE: sets `ended_at`; active streams become FINISHED.
 * @throws failed_precondition from any other status.
 */
export function markComplete(info: EgressInfo, options: TransitionOptions = {}): EgressInfo {
  return transition(info, S.EGRESS_COMPLETE, options.nowMs, (next, nowNs) => {
    endedAt(next, nowNs);
    endStreams(next, StreamInfo_Status.FINISHED, nowNs);
  });
}

/**
 * → FAILED, as Go's `SetFailed`: `error` = the error's message, `error_code` = its HTTP status
 * (`egressErrorCodeOf`: `unknown` gives 0), `details` = `End reason: <endReason>` when given,
 * else `End reason: Failure` if no reason was recorded before; sets `ended_at`; active streams
 * become FAILED. Allowed from STARTING, ACTIVE, ENDING and LIMIT_REACHED.
 * @throws failed_precondition from COMPLETE, FAILED or ABORTED.
 */
export function markFailed(
  info: EgressInfo,
  error: EgressError,
  options: EndingOptions = {},
): EgressInfo {
  return transition(info, S.EGRESS_FAILED, options.nowMs, (next, nowNs) => {
    endedAt(next, nowNs);
    next.error = error.message;
    next.errorCode = egressErrorCodeOf(error.code);
    if (options.endReason) next.details = endReasonDetails(options.endReason);
    else if (next.details === '') next.details = endReasonDetails(END_REASONS.failure);
    endStreams(next, StreamInfo_Status.FAILED, nowNs);
  });
}

/**
 * STARTING → ABORTED, as Go's `SetAborted`: `error` = `message` (Go's are in `GO_MESSAGES`:
 * stopBeforeStart, startSignalNotReceived, limitBeforeStartSignal), `error_code` 412, `details`
 * = `End reason: <endReason>` when given (kept otherwise); sets `ended_at`.
 * @throws failed_precondition unless the egress is STARTING.
 */
export function markAborted(
  info: EgressInfo,
  message: string,
  options: EndingOptions = {},
): EgressInfo {
  return transition(info, S.EGRESS_ABORTED, options.nowMs, (next, nowNs) => {
    endedAt(next, nowNs);
    next.error = message;
    next.errorCode = 412;
    if (options.endReason) next.details = endReasonDetails(options.endReason);
    endStreams(next, StreamInfo_Status.FINISHED, nowNs);
  });
}

/**
 * ACTIVE or ENDING → LIMIT_REACHED, as Go's `SetLimitReached` followed by `SendEOS`: `error`
 * "Session limit reached", `error_code` 413, `details` "End reason: Session limit reached",
 * `ended_at` set; active streams become FINISHED.
 * @throws failed_precondition from any other status (use {@link applyLimitReached} to get Go's
 *   abort while STARTING).
 */
export function markLimitReached(info: EgressInfo, options: TransitionOptions = {}): EgressInfo {
  return transition(info, S.EGRESS_LIMIT_REACHED, options.nowMs, (next, nowNs) => {
    endedAt(next, nowNs);
    next.error = GO_MESSAGES.sessionLimitReached;
    next.errorCode = 413;
    next.details = endReasonDetails(END_REASONS.limitReached);
    endStreams(next, StreamInfo_Status.FINISHED, nowNs);
  });
}

/**
 * A stop (StopEgress, source closed, all streams stopped, killed...), decided as Go's
 * `SendEOS`: STARTING → ABORTED "Stop called before pipeline could start"; ACTIVE → ENDING;
 * in any other status the info is returned unchanged (the very same object), since the egress
 * is already ending.
 */
export function applyStop(
  info: EgressInfo,
  endReason: EndReason,
  options: TransitionOptions = {},
): EgressInfo {
  switch (info.status) {
    case S.EGRESS_STARTING:
      return markAborted(info, GO_MESSAGES.stopBeforeStart, { ...options, endReason });
    case S.EGRESS_ACTIVE:
      return markEnding(info, endReason, options);
    default:
      return info;
  }
}

/** Options of {@link applyClose}. */
export interface CloseOptions extends TransitionOptions {
  /** Why the run ended badly, if it did (Go's room-disconnect end error). */
  error?: EgressError;
}

/**
 * The final status when a pipeline closes, as Go's `Controller.Close`: STARTING → ABORTED
 * "Stop called before pipeline could start"; ACTIVE or ENDING → FAILED with `error`, or
 * COMPLETE; a final status is returned unchanged (the very same object).
 */
export function applyClose(info: EgressInfo, options: CloseOptions = {}): EgressInfo {
  switch (info.status) {
    case S.EGRESS_STARTING:
      return markAborted(info, GO_MESSAGES.stopBeforeStart, options);
    case S.EGRESS_ACTIVE:
    case S.EGRESS_ENDING:
      return options.error ? markFailed(info, options.error, options) : markComplete(info, options);
    default:
      return info;
  }
}

/**
 * A session limit (duration or file size), decided as Go's limit timer and storage monitor:
 * STARTING → ABORTED "Session limit reached before start signal"; ACTIVE or ENDING →
 * LIMIT_REACHED; a final status is returned unchanged (the very same object).
 */
export function applyLimitReached(info: EgressInfo, options: TransitionOptions = {}): EgressInfo {
  switch (info.status) {
    case S.EGRESS_STARTING:
      return markAborted(info, GO_MESSAGES.limitBeforeStartSignal, options);
    case S.EGRESS_ACTIVE:
    case S.EGRESS_ENDING:
      return markLimitReached(info, options);
    default:
      return info;
  }
}
