/** What ordering needs to know about a participant. */
export interface TileCandidate {
  identity: string;
  /** When they joined the room (ms since epoch), if the server said. */
  joinedAtMs?: number | undefined;
  /** When they last spoke (ms since epoch), if ever. */
  lastSpokeAtMs?: number | undefined;
}

/** Result of {@link orderTiles}. */
export interface OrderedTiles<T> {
  /** Participants that get a slot, in join order. */
  shown: T[];
  /** How many were left out (they share the "+N" slot). */
  hiddenCount: number;
}

function byJoin(a: TileCandidate, b: TileCandidate): number {
  const aJoined = a.joinedAtMs ?? Number.POSITIVE_INFINITY;
  const bJoined = b.joinedAtMs ?? Number.POSITIVE_INFINITY;
  if (aJoined !== bJoined) return aJoined < bJoined ? -1 : 1;
  return a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0;
}

/**
 * Orders participants by join time (identity breaks ties), so tiles never jump around when someone
 * speaks, joins or leaves. With more participants than `slots`, one slot becomes "+N" and the
 * `slots - 1` who spoke most recently are shown (earlier joiners first among the silent), still
 * drawn in join order.
 */
export function orderTiles<T extends TileCandidate>(
  candidates: readonly T[],
  slots: number,
): OrderedTiles<T> {
  const ordered = [...candidates].sort(byJoin);
  if (ordered.length <= slots) return { shown: ordered, hiddenCount: 0 };
  const keep = Math.max(0, slots - 1);
  const byRecentSpeech = [...ordered].sort((a, b) => {
    const aSpoke = a.lastSpokeAtMs ?? Number.NEGATIVE_INFINITY;
    const bSpoke = b.lastSpokeAtMs ?? Number.NEGATIVE_INFINITY;
    if (aSpoke !== bSpoke) return aSpoke > bSpoke ? -1 : 1;
    return byJoin(a, b);
  });
  const kept = new Set(byRecentSpeech.slice(0, keep));
  return { shown: ordered.filter((c) => kept.has(c)), hiddenCount: ordered.length - keep };
}
