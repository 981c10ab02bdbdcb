import { type TrackInfo, type UpdateTrackSettings, VideoQuality } from '@livekit/protocol';

/**
 * The best simulcast layer a subscriber asks for with UpdateTrackSettings, as a rank: 0 is the
 * lowest layer (rid `q`), 1 the next (`h`), and so on, in the order of the track's announced
 * layers by quality; `Infinity` is no limit. Dimensions win over quality, as in livekit-server:
 * the smallest layer at least that large. Without announced layers, quality is the rank.
 */
export function layerLimit(
  info: TrackInfo,
  settings: Pick<UpdateTrackSettings, 'quality' | 'width' | 'height'>,
): number {
  // By quality: rtc-node 1.1 announces every layer with the full size.
  const layers = [...info.layers].sort((a, b) => a.quality - b.quality || a.width - b.width);
  if (settings.width > 0 || settings.height > 0) {
    const index = layers.findIndex((l) => l.width >= settings.width && l.height >= settings.height);
    return index === -1 ? Number.POSITIVE_INFINITY : index;
  }
  // OFF pauses the track in livekit-server; here the lowest layer keeps flowing.
  const quality = settings.quality === VideoQuality.OFF ? VideoQuality.LOW : settings.quality;
  if (layers.length === 0) return quality;
  const index = layers.findLastIndex((l) => l.quality <= quality);
  return Math.max(0, index);
}
