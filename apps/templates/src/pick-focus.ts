/** Inputs of {@link pickFocus}. */
export interface FocusInput {
  /** Identity in the main area now, if any. */
  current: string | undefined;
  /** Identities speaking now, loudest first (livekit-client's active speakers). */
  speaking: readonly string[];
  /** Identities that may be focused, in tile order. */
  candidates: readonly string[];
}

/**
 * Chooses who fills the main area of `speaker` and `single-speaker`. Sticky: the focused
 * participant stays while they still speak or while nobody else does, so two people talking over
 * each other do not make the recording flicker; otherwise the loudest speaker takes over. With
 * nobody speaking yet, the first participant in tile order is focused.
 */
export function pickFocus(input: FocusInput): string | undefined {
  const present = new Set(input.candidates);
  const current =
    input.current !== undefined && present.has(input.current) ? input.current : undefined;
  const speaking = input.speaking.filter((identity) => present.has(identity));
  if (current !== undefined && (speaking.length === 0 || speaking.includes(current)))
    return current;
  return speaking[0] ?? current ?? input.candidates[0];
}
