import { AudioMixing, EncodedFileType, EncodingOptionsPreset } from '@livekit/protocol';
import { planCodecs } from './codec-planning.js';
import { finishEgressDraft, newEgressDraft } from './egress-draft.js';
import { audioFrequencyFor, invalidField } from './encoding.js';
import { planFile, planOutputs } from './output-planning.js';
import { checkTemplateSource, checkWebSource } from './page-sources.js';
import { checkText, encodingOf, listOf, type RequestValue, uploadOf } from './request-fields.js';
import {
  type FileLike,
  type ImageLike,
  type RawOutputs,
  rawFile,
  rawImage,
  rawSegments,
  rawStream,
  type SegmentsLike,
  type StreamLike,
} from './request-outputs.js';
import { parseStreamUrl } from './stream-url.js';
import type { EgressSource, ValidatedEgress } from './validated-egress.js';

/** The v1 encoded outputs: the repeated fields, or the deprecated `file|stream|segments` oneof. */
interface V1Encoded {
  fileOutputs?: unknown;
  streamOutputs?: unknown;
  segmentOutputs?: unknown;
  imageOutputs?: unknown;
  output?: { case?: string; value?: unknown };
}

function pickOne<T>(list: T[], deprecated: T | undefined, field: string): T | undefined {
  if (list.length > 1)
    throw invalidField(field, `use at most one ${field.replace(/_outputs$/, '')} output`);
  return list[0] ?? deprecated;
}

function v1Outputs(req: V1Encoded): RawOutputs {
  const deprecated = req.output?.case !== undefined ? req.output : undefined;
  const depValue = (c: string): unknown =>
    deprecated?.case === c && typeof deprecated.value === 'object' && deprecated.value !== null
      ? deprecated.value
      : undefined;

  const file = pickOne(
    listOf<FileLike>(req.fileOutputs),
    depValue('file') as FileLike | undefined,
    'file_outputs',
  );
  const stream = pickOne(
    listOf<StreamLike>(req.streamOutputs),
    depValue('stream') as StreamLike | undefined,
    'stream_outputs',
  );
  const segments = pickOne(
    listOf<SegmentsLike>(req.segmentOutputs),
    depValue('segments') as SegmentsLike | undefined,
    'segment_outputs',
  );
  const out: RawOutputs = {
    apiVersion: 1,
    images: listOf<ImageLike>(req.imageOutputs).map((i) => rawImage(i, uploadOf(i.output))),
  };
  if (file) out.file = rawFile(file, uploadOf(file.output));
  if (stream) out.stream = rawStream(stream);
  if (segments) out.segments = rawSegments(segments, uploadOf(segments.output));
  return out;
}

function checkNotPassthrough(options: { preset?: EncodingOptionsPreset }): void {
  if (options.preset === EncodingOptionsPreset.PASSTHROUGH) {
    // The passthrough preset is shared with request types that always transcode.
    throw invalidField('preset', 'PASSTHROUGH needs a v2 request with a media source of one track');
  }
}

/** Validates a v1 `RoomCompositeEgressRequest` (a template source). */
export function validateRoomComposite(
  req: RequestValue<'roomComposite'>,
  retryCount: number,
): ValidatedEgress {
  const roomName = checkText('room_name', req.roomName, { required: true });
  const page = checkTemplateSource(req, '');
  const encoding = encodingOf(req.options);
  checkNotPassthrough(encoding);
  const audioMixing = req.audioMixing ?? AudioMixing.DEFAULT_MIXING;
  if (AudioMixing[audioMixing] === undefined) {
    throw invalidField(
      'audio_mixing',
      'use DEFAULT_MIXING, DUAL_CHANNEL_AGENT or DUAL_CHANNEL_ALTERNATE',
    );
  }
  page.source.audioMixing = audioMixing;
  const isWebSource = page.sourceKind === 'web';
  const draft = newEgressDraft(encoding, retryCount, isWebSource, page.hasAudio, page.hasVideo);
  planOutputs(draft, v1Outputs(req));
  planCodecs(draft);
  return finishEgressDraft(draft, {
    apiVersion: 1,
    requestType: 'room-composite',
    sourceKind: page.sourceKind,
    source: page.source,
    roomName,
    isPassthrough: false,
    webhooks: req.webhooks,
  });
}

/** Validates a v1 `WebEgressRequest`. */
export function validateWeb(req: RequestValue<'web'>, retryCount: number): ValidatedEgress {
  const page = checkWebSource(req, '');
  const encoding = encodingOf(req.options);
  checkNotPassthrough(encoding);
  const draft = newEgressDraft(encoding, retryCount, true, page.hasAudio, page.hasVideo);
  planOutputs(draft, v1Outputs(req));
  planCodecs(draft);
  return finishEgressDraft(draft, {
    apiVersion: 1,
    requestType: 'web',
    sourceKind: page.sourceKind,
    source: page.source,
    roomName: '',
    isPassthrough: false,
    webhooks: req.webhooks,
  });
}

/** Validates a v1 `ParticipantEgressRequest`. */
export function validateParticipant(
  req: RequestValue<'participant'>,
  retryCount: number,
): ValidatedEgress {
  const roomName = checkText('room_name', req.roomName, { required: true });
  const identity = checkText('identity', req.identity, { required: true });
  const encoding = encodingOf(req.options);
  checkNotPassthrough(encoding);
  const draft = newEgressDraft(encoding, retryCount, false, true, true);
  planOutputs(draft, v1Outputs(req));
  planCodecs(draft);
  return finishEgressDraft(draft, {
    apiVersion: 1,
    requestType: 'participant',
    sourceKind: 'sdk',
    source: { kind: 'participant', identity, screenShare: req.screenShare === true },
    roomName,
    isPassthrough: false,
    webhooks: req.webhooks,
  });
}

/** Validates a v1 `TrackCompositeEgressRequest`: one audio track, one video track or both. */
export function validateTrackComposite(
  req: RequestValue<'trackComposite'>,
  retryCount: number,
): ValidatedEgress {
  const roomName = checkText('room_name', req.roomName, { required: true });
  const audioTrackId = checkText('audio_track_id', req.audioTrackId);
  const videoTrackId = checkText('video_track_id', req.videoTrackId);
  if (audioTrackId === '' && videoTrackId === '') {
    throw invalidField(
      'audio_track_id or video_track_id',
      'set audio_track_id, video_track_id or both',
    );
  }
  const encoding = encodingOf(req.options);
  checkNotPassthrough(encoding);
  const draft = newEgressDraft(
    encoding,
    retryCount,
    false,
    audioTrackId !== '',
    videoTrackId !== '',
  );
  planOutputs(draft, v1Outputs(req));
  planCodecs(draft);
  const source: EgressSource = { kind: 'track-composite' };
  // Image-only egress drops the audio track (Go clears AudioTrackID).
  if (audioTrackId !== '' && draft.hasAudio) source.audioTrackId = audioTrackId;
  if (videoTrackId !== '') source.videoTrackId = videoTrackId;
  return finishEgressDraft(draft, {
    apiVersion: 1,
    requestType: 'track-composite',
    sourceKind: 'sdk',
    source,
    roomName,
    isPassthrough: false,
    webhooks: req.webhooks,
  });
}

/** Validates a v1 `TrackEgressRequest`: one track, remuxed to a file or sent to a websocket. */
export function validateTrack(req: RequestValue<'track'>, retryCount: number): ValidatedEgress {
  const roomName = checkText('room_name', req.roomName, { required: true });
  const trackId = checkText('track_id', req.trackId, { required: true });
  const draft = newEgressDraft({}, retryCount, false, true, true);
  const output = req.output;
  if (output?.case === 'file' && typeof output.value === 'object' && output.value !== null) {
    const f = output.value;
    // A track's container follows its codec, so the type is left for the worker.
    draft.file = planFile(
      draft,
      rawFile({ ...f, fileType: EncodedFileType.DEFAULT_FILETYPE }, uploadOf(f.output)),
      'file',
    );
  } else if (output?.case === 'websocketUrl') {
    const parsed = parseStreamUrl(
      typeof output.value === 'string' ? output.value : '',
      'websocket',
    );
    draft.websocket = { url: parsed.url, redacted: parsed.redacted };
    draft.encoding.audioCodec = 'pcm';
    draft.encoding.audioFrequencyHz = audioFrequencyFor('pcm', undefined);
  } else {
    throw invalidField('output', 'set file or websocket_url');
  }
  return finishEgressDraft(draft, {
    apiVersion: 1,
    requestType: 'track',
    sourceKind: 'sdk',
    source: { kind: 'track', trackId },
    roomName,
    isPassthrough: true,
    webhooks: req.webhooks,
  });
}
