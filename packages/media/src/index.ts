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
