/** How often the page checks whether recording can start, as the Go default template does. */
export const START_POLL_INTERVAL_MS = 100;

/** In a room without video, how long to wait for a video track to show up before starting. */
export const AUDIO_ONLY_GRACE_MS = 500;

/** With video published but no frame decoded yet, start anyway after this long. */
export const FRAME_DECODE_TIMEOUT_MS = 5000;

/** One poll's view of the room. */
export interface StartRuleInput {
  /** Time since the template started waiting. */
  elapsedMs: number;
  /** A remote participant publishes a video track (subscribed or not). */
  hasVideo: boolean;
  /** At least one remote track (audio or video) is subscribed. */
  hasSubscribed: boolean;
  /** Some inbound video stream reports `framesDecoded > 0`. */
  hasDecodedFrames: boolean;
}

/**
 * The Go default template's start rule (egress-go-behavior.md §5): start once a video frame is
 * decoded; in a room without video, once something is subscribed and 500 ms have passed (time for
 * a video track to be published); and in any case once something is subscribed and 5 s have passed.
 * An empty room never starts, as in Go: the worker's start deadline or session limit ends it.
 */
export function shouldStartRecording(input: StartRuleInput): boolean {
  if (input.hasDecodedFrames) return true;
  if (!input.hasSubscribed) return false;
  if (!input.hasVideo && input.elapsedMs > AUDIO_ONLY_GRACE_MS) return true;
  return input.elapsedMs > FRAME_DECODE_TIMEOUT_MS;
}
