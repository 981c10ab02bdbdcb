import type { Logger } from '@egress/protocol';
import type { Room } from '@livekit/rtc-node';

/** Mean jitter buffer delay of the subscribed tracks over the last interval, milliseconds. */
export interface ReceiveDelays {
  audioMs?: number;
  videoMs?: number;
}

type Kind = 'audio' | 'video';

/**
 * Reads, every `intervalMs`, how long libwebrtc's jitter buffers held the audio and the video the
 * Room receives over the interval (`jitterBufferDelay` / `jitterBufferEmittedCount` deltas of the
 * inbound RTP stats) and hands them to `onDelays`. NetEq holds audio longer than the video buffer
 * holds frames, by an amount that jumps by hundreds of milliseconds when the machine stalls
 * (README, A/V sync). One Room per egress subscribes only that egress's tracks, so a kind's stats
 * are its track's. Returns the function that stops it.
 */
export function followReceiveDelays(
  room: Room,
  onDelays: (delays: ReceiveDelays) => void,
  options: { intervalMs: number; logger: Logger },
): () => void {
  // Per RTP stream: a republished track is a new stream, and the old one may stay in the stats.
  const previous = new Map<number, { delaySec: number; count: number }>();
  let isReading = false;
  const read = async () => {
    const stats = await room.getRtcStats();
    const delays: ReceiveDelays = {};
    const emitted: Partial<Record<Kind, number>> = {};
    for (const entry of stats.subscriberStats) {
      if (entry.stats.case !== 'inboundRtp') continue;
      const value = entry.stats.value;
      const kind = value.stream?.kind;
      const ssrc = value.stream?.ssrc;
      if ((kind !== 'audio' && kind !== 'video') || ssrc === undefined) continue;
      const delaySec = value.inbound?.jitterBufferDelay ?? 0;
      const count = Number(value.inbound?.jitterBufferEmittedCount ?? 0);
      // A stream's first reading counts from its start, so the first delays come one interval in.
      const before = previous.get(ssrc) ?? { delaySec: 0, count: 0 };
      previous.set(ssrc, { delaySec, count });
      if (count <= before.count || delaySec < before.delaySec) continue;
      // Of several streams of a kind, the one that played the most is the track recorded now.
      if ((emitted[kind] ?? 0) >= count - before.count) continue;
      emitted[kind] = count - before.count;
      delays[kind === 'audio' ? 'audioMs' : 'videoMs'] =
        ((delaySec - before.delaySec) / (count - before.count)) * 1000;
    }
    onDelays(delays);
  };
  const timer = setInterval(() => {
    if (isReading) return;
    isReading = true;
    read()
      // Without stats the last correction stays: the recording goes on.
      .catch((err: unknown) => options.logger.debug({ err }, 'receive delays unavailable'))
      .finally(() => {
        isReading = false;
      });
  }, options.intervalMs);
  return () => clearInterval(timer);
}
