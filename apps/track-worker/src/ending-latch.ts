import { type EgressError, END_REASONS, type EndReason } from '@egress/protocol';

/** How a recording ended: an end reason, or an error. */
export type Ending =
  | { ending: 'end'; endReason: EndReason }
  | { ending: 'error'; error: EgressError };

/** Tells an {@link Ending} from a track or publication. */
export function isEnding(value: object): value is Ending {
  return 'ending' in value;
}

/** How an SDK egress learns that it should end: once, from stop, its source or an error. */
export interface EndingLatch {
  /** Resolves with the first ending. */
  readonly ended: Promise<Ending>;
  /** Ends the recording; later calls change nothing. */
  endWith(ending: Ending): void;
  /** Stops listening to the abort signal (call once the egress is over). */
  close(): void;
}

/** A latch that `signal` (StopEgress) ends with Go's "StopEgress API" end reason. */
export function endingLatch(signal: AbortSignal | undefined): EndingLatch {
  let endWith: (ending: Ending) => void = () => undefined;
  const ended = new Promise<Ending>((resolve) => {
    endWith = resolve;
  });
  const onAbort = () => endWith({ ending: 'end', endReason: END_REASONS.api });
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    ended,
    endWith: (ending) => endWith(ending),
    close: () => signal?.removeEventListener('abort', onAbort),
  };
}
