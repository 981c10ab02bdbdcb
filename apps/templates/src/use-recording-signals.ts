import { type Room, RoomEvent, Track } from 'livekit-client';
import { useEffect } from 'react';
import { createRecordingSignals, type RecordingSignals } from './recording-signals.js';
import { START_POLL_INTERVAL_MS, type StartRuleInput, shouldStartRecording } from './start-rule.js';

/** The page's one pair of signals; the recorder reads them from the console. */
const PAGE_SIGNALS = createRecordingSignals((message) => {
  // biome-ignore lint/suspicious/noConsole: the console is the recorder's channel (egress-sdk contract).
  console.log(message);
});

function isDecodedInbound(stat: unknown): boolean {
  if (typeof stat !== 'object' || stat === null) return false;
  const { type, framesDecoded } = stat as { type?: unknown; framesDecoded?: unknown };
  return type === 'inbound-rtp' && typeof framesDecoded === 'number' && framesDecoded > 0;
}

async function observeRoom(room: Room, elapsedMs: number): Promise<StartRuleInput> {
  const input: StartRuleInput = {
    elapsedMs,
    hasVideo: false,
    hasSubscribed: false,
    hasDecodedFrames: false,
  };
  for (const participant of room.remoteParticipants.values()) {
    for (const publication of participant.trackPublications.values()) {
      if (publication.isSubscribed) input.hasSubscribed = true;
      if (publication.kind !== Track.Kind.Video) continue;
      input.hasVideo = true;
      const track = publication.videoTrack;
      if (!track || input.hasDecodedFrames) continue;
      const report = await track.getRTCStatsReport();
      report?.forEach((stat: unknown) => {
        if (isDecodedInbound(stat)) input.hasDecodedFrames = true;
      });
    }
  }
  return input;
}

/**
 * Sends `START_RECORDING` once the start rule (start-rule.ts) holds, checked every 100 ms, and
 * `END_RECORDING` when the room disconnects (left, closed, or the recorder removed). Each is sent
 * once per page.
 */
export function useRecordingSignals(room: Room, signals: RecordingSignals = PAGE_SIGNALS): void {
  useEffect(() => {
    const startedAtMs = Date.now();
    let isPolling = false;
    const timer = setInterval(() => {
      if (isPolling || signals.isStarted) return;
      isPolling = true;
      observeRoom(room, Date.now() - startedAtMs)
        .then((input) => {
          if (!shouldStartRecording(input)) return;
          clearInterval(timer);
          signals.start();
        })
        .catch((err: unknown) => {
          // A stats call can fail while a track goes away; the next poll looks again.
          // biome-ignore lint/suspicious/noConsole: page diagnostics; the recorder logs the console.
          console.warn('start check failed', err);
        })
        .finally(() => {
          isPolling = false;
        });
    }, START_POLL_INTERVAL_MS);
    const onDisconnected = () => {
      clearInterval(timer);
      signals.end();
    };
    room.on(RoomEvent.Disconnected, onDisconnected);
    return () => {
      clearInterval(timer);
      room.off(RoomEvent.Disconnected, onDisconnected);
    };
  }, [room, signals]);
}
