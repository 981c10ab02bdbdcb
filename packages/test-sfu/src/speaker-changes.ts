import { SpeakerInfo } from '@livekit/protocol';

/** Active speakers by participant sid, with their linear level 0..1. */
export type SpeakerLevels = ReadonlyMap<string, number>;

// Levels closer than this are the same for clients; smaller moves are not worth an update.
const LEVEL_STEP = 0.05;

/**
 * The `SpeakersChanged` entries that take clients from `previous` to `current`, as
 * livekit-server sends them: a delta, each new or louder/quieter speaker with `active: true` and
 * its level, each one who stopped with `active: false` and level 0. Empty when nothing changed.
 */
export function speakerChanges(previous: SpeakerLevels, current: SpeakerLevels): SpeakerInfo[] {
  const changes: SpeakerInfo[] = [];
  for (const [sid, level] of current) {
    const before = previous.get(sid);
    if (before === undefined || Math.abs(before - level) >= LEVEL_STEP) {
      changes.push(new SpeakerInfo({ sid, level, active: true }));
    }
  }
  for (const sid of previous.keys()) {
    if (!current.has(sid)) changes.push(new SpeakerInfo({ sid, level: 0, active: false }));
  }
  return changes;
}
