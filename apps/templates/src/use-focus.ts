import { useSpeakingParticipants } from '@livekit/components-react';
import { useEffect, useState } from 'react';
import { pickFocus } from './pick-focus.js';
import type { TileItem } from './use-tile-items.js';

/** Who fills the main area of the speaker layouts (see pick-focus.ts): sticky active speaker. */
export function useFocus(tiles: readonly TileItem[]): TileItem | undefined {
  const speaking = useSpeakingParticipants();
  const [current, setCurrent] = useState<string>();
  const next = pickFocus({
    current,
    speaking: speaking.map((p) => p.identity),
    candidates: tiles.map((t) => t.participant.identity),
  });
  useEffect(() => {
    if (next !== current) setCurrent(next);
  }, [next, current]);
  return tiles.find((t) => t.participant.identity === next);
}
