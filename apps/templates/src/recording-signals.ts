/** The console text that starts the recording (the @livekit/egress-sdk contract). */
export const START_RECORDING = 'START_RECORDING';

/** The console text that ends the recording ("Source closed" in Go). */
export const END_RECORDING = 'END_RECORDING';

/** Sends each recording signal at most once. */
export interface RecordingSignals {
  /** Logs `START_RECORDING` the first time; later calls, and calls after `end`, do nothing. */
  start(): void;
  /** Logs `END_RECORDING` the first time; later calls do nothing. */
  end(): void;
  /** Whether `start` has logged. */
  readonly isStarted: boolean;
  /** Whether `end` has logged. */
  readonly isEnded: boolean;
}

/**
 * Makes the one pair of signals a page sends. The recorder watches console calls whose argument is
 * exactly the signal text, so `log` gets the bare string.
 *
 * @param log - where the signals go; `console.log` in the page, a recorder in tests.
 */
export function createRecordingSignals(log: (message: string) => void): RecordingSignals {
  let isStarted = false;
  let isEnded = false;
  return {
    start() {
      if (isStarted || isEnded) return;
      isStarted = true;
      log(START_RECORDING);
    },
    end() {
      if (isEnded) return;
      isEnded = true;
      log(END_RECORDING);
    },
    get isStarted() {
      return isStarted;
    },
    get isEnded() {
      return isEnded;
    },
  };
}
