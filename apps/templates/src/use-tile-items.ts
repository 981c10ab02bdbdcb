import { type TrackReference, useRemoteParticipants, useTracks } from '@livekit/components-react';
import { ParticipantKind, type RemoteParticipant, Track } from 'livekit-client';
import { useMemo } from 'react';
import { orderTiles } from './tile-order.js';

/** One participant's tile. */
export interface TileItem {
  participant: RemoteParticipant;
  /** Their subscribed camera (or unnamed video) track, if any. */
  camera: TrackReference | undefined;
}

/** What the layouts draw. */
export interface TileItems {
  /** Every participant that gets a tile, in join order. */
  tiles: TileItem[];
  /** The screen share that takes the main area, if any (the earliest joiner's). */
  screenShare: TrackReference | undefined;
}

/**
 * Participants that get a tile: every remote participant that publishes a track, except egress
 * recorders (ours and others'). Hidden participants never reach the page: the server does not
 * announce them. Participants who only watch (no track) get no tile.
 */
function isShown(participant: RemoteParticipant): boolean {
  return participant.kind !== ParticipantKind.EGRESS && participant.trackPublications.size > 0;
}

/** Collects the tiles and the screen share, updated on every participant and track event. */
export function useTileItems(): TileItems {
  const participants = useRemoteParticipants();
  const videos = useTracks([Track.Source.Camera, Track.Source.ScreenShare, Track.Source.Unknown], {
    onlySubscribed: true,
  });
  return useMemo(() => {
    const cameras = new Map<string, TrackReference>();
    const shares = new Map<string, TrackReference>();
    for (const ref of videos) {
      if (ref.publication.kind !== Track.Kind.Video) continue;
      const identity = ref.participant.identity;
      if (ref.source === Track.Source.ScreenShare) {
        if (!shares.has(identity)) shares.set(identity, ref);
      } else if (ref.source === Track.Source.Camera || !cameras.has(identity)) {
        cameras.set(identity, ref);
      }
    }
    const candidates = participants.filter(isShown).map((participant) => ({
      identity: participant.identity,
      joinedAtMs: participant.joinedAt?.getTime(),
      participant,
    }));
    const ordered = orderTiles(candidates, Number.POSITIVE_INFINITY).shown;
    const tiles = ordered.map(({ participant }) => ({
      participant,
      camera: cameras.get(participant.identity),
    }));
    const sharer = ordered.find(({ identity }) => shares.has(identity));
    return { tiles, screenShare: sharer ? shares.get(sharer.identity) : undefined };
  }, [participants, videos]);
}

/**
 * The tiles that get one of `slots` slots, in join order; on overflow the last slot becomes "+N"
 * and the most recent speakers keep theirs (tile-order.ts).
 */
export function fitTiles(
  tiles: readonly TileItem[],
  slots: number,
): { shown: TileItem[]; hiddenCount: number } {
  const candidates = tiles.map((item) => ({
    identity: item.participant.identity,
    joinedAtMs: item.participant.joinedAt?.getTime(),
    lastSpokeAtMs: item.participant.lastSpokeAt?.getTime(),
    item,
  }));
  const { shown, hiddenCount } = orderTiles(candidates, slots);
  return { shown: shown.map((c) => c.item), hiddenCount };
}
