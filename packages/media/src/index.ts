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
export {
  type ChromeArgs,
  type ChromeArgsOptions,
  type ChromeFlags,
  chromeArgs,
} from './web/chrome-args.js';
export {
  ChromiumPage,
  type ChromiumPageOptions,
  END_RECORDING,
  START_RECORDING,
} from './web/chromium-page.js';
export { PulseSink, type PulseSinkOptions } from './web/pulse-sink.js';
export {
  type RoomCompositeUrlOptions,
  roomCompositeUrl,
  type TemplateUrlOptions,
  templateUrl,
} from './web/template-url.js';
export {
  type PreparedWebSource,
  prepareWebSource,
  START_SIGNAL_HINT,
  startWebSource,
  type WebDisplayOptions,
  type WebPageOptions,
  type WebSource,
  type WebSourceEnd,
  type WebSourceOptions,
} from './web/web-source.js';
export { XvfbDisplay, type XvfbDisplayOptions } from './web/xvfb-display.js';
