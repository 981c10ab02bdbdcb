import type { CompositeOutputPlan } from '@egress/media';
import type { PcmSink } from './audio/pcm-sink.js';
import {
  type RunAudioRoomCompositeOptions,
  runAudioRoomComposite,
} from './audio-room-composite.js';
import { type AvEncoder, startAvEncoder } from './av-encoder.js';
import type { TrackEgressResult } from './track-egress.js';

/** What {@link runSdkAudioRoomComposite} takes: the room, the outputs, the callbacks. */
export interface SdkAudioRoomCompositeOptions
  extends Omit<RunAudioRoomCompositeOptions, 'startSink'> {
  /** Every output at the egress's encoding (`TrackOutputs.plan`), written by one encoder. */
  outputs: CompositeOutputPlan;
}

/**
 * Runs an SDK audio room composite (`isSdkRoomComposite`): the room's audio mixed
 * ({@link runAudioRoomComposite}) into the SDK egresses' encoder with the egress's output plan
 * (file OGG/MP4/MP3, HLS, RTMP/SRT), started once audio flows.
 */
export function runSdkAudioRoomComposite(
  options: SdkAudioRoomCompositeOptions,
): Promise<TrackEgressResult> {
  const { outputs, ...source } = options;
  return runAudioRoomComposite({
    ...source,
    startSink: () => pcmSinkOf(startAvEncoder({ outputs, audio: true, logger: options.logger })),
  });
}

/** An audio-only SDK encoder as a PCM sink: the mix goes to its audio pipe. */
export function pcmSinkOf(encoder: AvEncoder): PcmSink {
  return {
    write: (pcm) => {
      encoder.audio?.write(pcm);
    },
    setMuted: () => {
      // A muted track is silence in the mix already.
    },
    failed: encoder.failed,
    close: () => encoder.close(),
    destroy: () => encoder.destroy(),
    ...(encoder.pid ? { pid: encoder.pid } : {}),
  };
}
