export {
  LIVE_PLAYLIST_WINDOW,
  livePlaylistFromMain,
  writeLivePlaylist,
} from './composite/live-playlist.js';
export {
  type AudioSourceSpec,
  type CompositeOutputPlan,
  type CompositePipelinePlan,
  type FileOutputSpec,
  type ImageOutputSpec,
  type PipelineSources,
  type PlanCompositePipelineOptions,
  planCompositePipeline,
  type SegmentOutputSpec,
  type StreamOutputSpec,
  type VideoSourceSpec,
  X264_SPEED_PRESETS,
  type X264SpeedPreset,
} from './composite/pipeline-plan.js';
export {
  type GstExit,
  GstProcess,
  type GstProcessOptions,
  redactGstLine,
} from './gst/gst-process.js';
export { escapePrintf, gstProp } from './gst/gst-prop.js';
export { findFreePort } from './stream/free-port.js';
export {
  type StreamDestinationOptions,
  type StreamTarget,
  streamDestinationArgs,
} from './stream/stream-destination.js';
export { StreamFanout, type StreamFanoutOptions } from './stream/stream-fanout.js';
