import type { CompositeOutputPlan } from '@egress/media';
import { DEFAULT_ENCODING } from '@egress/protocol';

/**
 * The outputs of an SDK egress test that records one MP4 file (H.264 + AAC) of the given size,
 * as `TrackOutputs.plan` would give them.
 */
export function mp4Outputs(
  localPath: string,
  video: { width: number; height: number; fps: number; bitrateKbps: number },
  audioBitrateKbps = 128,
): CompositeOutputPlan {
  return {
    encoding: {
      ...DEFAULT_ENCODING,
      width: video.width,
      height: video.height,
      framerate: video.fps,
      videoBitrateKbps: video.bitrateKbps,
      audioCodec: 'aac',
      audioBitrateKbps,
    },
    file: { fileType: 'mp4', localPath },
  };
}
