export {
  AUDIO_INPUT_FD,
  type FdEncoder,
  type FdEncoderOptions,
  startFdEncoder,
  VIDEO_INPUT_FD,
} from './composite/fd-encoder.js';
export { i420Size } from './composite/i420-size.js';
export {
  LIVE_PLAYLIST_WINDOW,
  livePlaylistFromMain,
  writeLivePlaylist,
} from './composite/live-playlist.js';
export { outputsFinalCheck } from './composite/outputs-final.js';
export {
  type CompositeOutputPlan,
  type CompositePipelinePlan,
  type FileOutputSpec,
  type ImageOutputSpec,
  type PipelineSources,
  type PlanCompositePipelineOptions,
  planCompositePipeline,
  type SegmentOutputSpec,
  type StreamOutputSpec,
  X264_SPEED_PRESETS,
  type X264SpeedPreset,
} from './composite/pipeline-plan.js';
export type { AudioSourceSpec, VideoSourceSpec } from './composite/pipeline-sources.js';
export { fileSinkElement } from './gst/file-sink.js';
export {
  type GstExit,
  GstProcess,
  type GstProcessOptions,
  redactGstLine,
} from './gst/gst-process.js';
export { escapePrintf, gstProp } from './gst/gst-prop.js';
export {
  outputPlanOf,
  type ResolvedFileOutput,
  type ResolvedImageOutput,
  type ResolvedOutputs,
  type ResolvedSegmentOutput,
  type ResolvedStreamOutput,
  type ResolveEgressOutputsOptions,
  resolveEgressOutputs,
  withOutputNames,
} from './outputs/egress-outputs.js';
export {
  type RecordedFile,
  type SalvageLeftFileOptions,
  salvageLeftFile,
  type UploadFileResultOptions,
  uploadFileResult,
} from './outputs/file-result-upload.js';
export {
  type FinishedOutputs,
  type FinishOutputsOptions,
  OutputUploads,
  type OutputUploadsOptions,
} from './outputs/output-uploads.js';
export { watchSessionLimits } from './outputs/session-limits.js';
export {
  STREAM_RETRY,
  StreamOutputs,
  type StreamOutputsOptions,
  updateStreamOutputs,
  withStreamsStarted,
} from './outputs/stream-outputs.js';
export {
  type StreamDestinationOptions,
  type StreamTarget,
  type StreamTracks,
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
export { PULSE_SINK_OWNER_PID, PulseSink, type PulseSinkOptions } from './web/pulse-sink.js';
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
