import {
  type AudioChannel,
  EncodedFileType,
  EncodingOptionsPreset,
  type ParticipantInfo_Kind,
  type StorageConfig,
} from '@livekit/protocol';
import { planCodecs } from './codec-planning.js';
import { finishEgressDraft, newEgressDraft } from './egress-draft.js';
import { invalidField } from './encoding.js';
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
import type {
  AudioRoutePlan,
  EgressSource,
  UploadConfig,
  ValidatedEgress,
} from './validated-egress.js';

interface V2Output {
  config?: { case?: string; value?: unknown };
  storage?: StorageConfig;
}

function v2Outputs(outputs: V2Output[]): RawOutputs {
  if (outputs.length === 0) throw invalidField('output', 'add at least one entry to outputs');
  const raw: RawOutputs = { apiVersion: 2, images: [] };
  for (const [i, output] of outputs.entries()) {
    const config = output.config;
    const value = config?.value;
    if (config?.case === undefined || typeof value !== 'object' || value === null) {
      throw invalidField(`outputs[${i}]`, 'set file, stream, segments or images');
    }
    const upload = uploadOf(output.storage?.provider);
    switch (config.case) {
      case 'file':
        if (raw.file) throw invalidField('multiple file outputs', 'use at most one file output');
        raw.file = rawFile(value as FileLike, upload);
        break;
      case 'stream':
        if (raw.stream) {
          throw invalidField('multiple stream outputs', 'use one stream output with several urls');
        }
        raw.stream = rawStream(value as StreamLike);
        break;
      case 'segments':
        if (raw.segments) {
          throw invalidField('multiple segmented file outputs', 'use at most one segments output');
        }
        raw.segments = rawSegments(value as SegmentsLike, upload);
        break;
      case 'images':
        raw.images.push(rawImage(value as ImageLike, upload));
        break;
      default:
        throw invalidField(`outputs[${i}]`, 'set file, stream, segments or images');
    }
  }
  return raw;
}

function audioRoutesOf(routes: unknown): AudioRoutePlan[] {
  return listOf<{ match?: { case?: string; value?: unknown }; channel?: AudioChannel }>(routes).map(
    (route, i) => {
      const field = `source.media.audio.routes[${i}]`;
      const channel = route.channel ?? (0 as AudioChannel);
      if (!Number.isInteger(channel) || channel < 0 || channel > 2) {
        throw invalidField(`${field}.channel`, 'use BOTH, LEFT or RIGHT');
      }
      const match = route.match;
      switch (match?.case) {
        case 'trackId':
          return {
            match: {
              kind: 'trackId',
              trackId: checkText(`${field}.track_id`, match.value, { required: true }),
            },
            channel,
          };
        case 'participantIdentity':
          return {
            match: {
              kind: 'participantIdentity',
              identity: checkText(`${field}.participant_identity`, match.value, { required: true }),
            },
            channel,
          };
        case 'participantKind':
          if (typeof match.value !== 'number') {
            throw invalidField(`${field}.participant_kind`, 'use a ParticipantInfo.Kind value');
          }
          return {
            match: {
              kind: 'participantKind',
              participantKind: match.value as ParticipantInfo_Kind,
            },
            channel,
          };
        default:
          throw invalidField(
            `${field}.match`,
            'set track_id, participant_identity or participant_kind',
          );
      }
    },
  );
}

interface V2Base {
  apiVersion: 2;
  webhooks: unknown;
  isPassthrough: boolean;
  requestUpload?: UploadConfig;
}

/**
 * Validates a v2 `StartEgressRequest`: a template, web or media source, a list of outputs with
 * their own storage, or PASSTHROUGH of one track to one file.
 */
export function validateV2Request(
  req: RequestValue<'egress'>,
  retryCount: number,
): ValidatedEgress {
  const encoding = encodingOf(req.encoding);
  const isPassthrough = encoding.preset === EncodingOptionsPreset.PASSTHROUGH;
  const outputs = listOf<V2Output>(req.outputs);
  const requestUpload = uploadOf(req.storage?.provider);
  const roomNameRaw = checkText('room_name', req.roomName);
  const source = req.source;
  const base: V2Base = { apiVersion: 2, webhooks: req.webhooks, isPassthrough };
  if (requestUpload) base.requestUpload = requestUpload;

  if (isPassthrough) return validatePassthrough(req, outputs, retryCount, roomNameRaw, base);

  switch (source?.case) {
    case 'template': {
      const roomName = checkText('room_name', roomNameRaw, { required: true });
      const page = checkTemplateSource(source.value, 'source.template.');
      const isWebSource = page.sourceKind === 'web';
      const draft = newEgressDraft(encoding, retryCount, isWebSource, page.hasAudio, page.hasVideo);
      planOutputs(draft, v2Outputs(outputs));
      planCodecs(draft);
      return finishEgressDraft(draft, {
        ...base,
        requestType: 'room-composite',
        sourceKind: page.sourceKind,
        source: page.source,
        roomName,
      });
    }
    case 'web': {
      const page = checkWebSource(source.value, 'source.web.');
      const draft = newEgressDraft(encoding, retryCount, true, page.hasAudio, page.hasVideo);
      planOutputs(draft, v2Outputs(outputs));
      planCodecs(draft);
      return finishEgressDraft(draft, {
        ...base,
        requestType: 'web',
        sourceKind: page.sourceKind,
        source: page.source,
        roomName: roomNameRaw,
      });
    }
    case 'media': {
      const m = source.value;
      const roomName = checkText('room_name', roomNameRaw, { required: true });
      const media: Extract<EgressSource, { kind: 'media' }> = { kind: 'media' };
      let isParticipant = false;
      if (m.video?.case === 'videoTrackId') {
        media.video = {
          trackId: checkText('source.media.video_track_id', m.video.value, { required: true }),
        };
      } else if (m.video?.case === 'participantVideo') {
        const pv = m.video.value;
        media.video = {
          identity: checkText('source.media.participant_video.identity', pv?.identity, {
            required: true,
          }),
          preferScreenShare: pv?.preferScreenShare === true,
        };
        isParticipant = true;
      }
      if (m.audio) {
        const routes = audioRoutesOf(m.audio.routes);
        if (m.audio.captureAll === true || routes.length > 0) {
          media.audio = { captureAll: m.audio.captureAll === true, routes };
        }
      }
      if (!media.video && !media.audio) {
        throw invalidField(
          'audio or video',
          'set source.media.video or audio routes (or capture_all)',
        );
      }
      const draft = newEgressDraft(
        encoding,
        retryCount,
        false,
        media.audio !== undefined,
        media.video !== undefined,
      );
      planOutputs(draft, v2Outputs(outputs));
      planCodecs(draft);
      // Image-only egress records no audio.
      if (!draft.hasAudio) delete media.audio;
      return finishEgressDraft(draft, {
        ...base,
        requestType: isParticipant ? 'participant' : 'track-composite',
        sourceKind: 'sdk',
        source: media,
        roomName,
      });
    }
    default:
      throw invalidField('source', 'set source.template, source.web or source.media');
  }
}

/** PASSTHROUGH: a media source with exactly one track and one DEFAULT file output. */
function validatePassthrough(
  req: RequestValue<'egress'>,
  outputs: V2Output[],
  retryCount: number,
  roomNameRaw: string,
  base: V2Base,
): ValidatedEgress {
  const source = req.source;
  if (source?.case !== 'media') {
    throw invalidField('passthrough source', 'PASSTHROUGH needs source.media with one track');
  }
  const roomName = checkText('room_name', roomNameRaw, { required: true });
  const m = source.value;
  let videoTrackId = '';
  if (m.video?.case === 'videoTrackId') {
    videoTrackId = checkText('passthrough video_track_id', m.video.value, { required: true });
  } else if (m.video?.case === 'participantVideo') {
    throw invalidField(
      'passthrough participant_video',
      'PASSTHROUGH takes a video_track_id, not a participant',
    );
  }
  let audioTrackId = '';
  if (m.audio) {
    const routes = listOf<{ match?: { case?: string; value?: unknown } }>(m.audio.routes);
    if (m.audio.captureAll === true) {
      throw invalidField(
        'passthrough capture_all',
        'PASSTHROUGH records one track: unset capture_all',
      );
    }
    if (routes.length > 1) {
      throw invalidField(
        'passthrough audio routes',
        'PASSTHROUGH records one track: keep one audio route',
      );
    }
    const route = routes[0];
    if (route) {
      if (route.match?.case !== 'trackId') {
        throw invalidField(
          'passthrough audio route match',
          'PASSTHROUGH audio routes match by track_id',
        );
      }
      audioTrackId = checkText('passthrough audio route track_id', route.match.value, {
        required: true,
      });
    }
  }
  if ((videoTrackId === '') === (audioTrackId === '')) {
    throw invalidField(
      'passthrough track_id',
      'PASSTHROUGH records exactly one track: set video or audio, not both',
    );
  }
  const first = outputs[0];
  if (outputs.length !== 1 || !first) {
    throw invalidField('passthrough outputs', 'PASSTHROUGH takes exactly one file output');
  }
  const config = first.config;
  if (config?.case !== 'file' || typeof config.value !== 'object' || config.value === null) {
    throw invalidField('passthrough output', 'PASSTHROUGH takes exactly one file output');
  }
  const file = config.value as FileLike;
  if ((file.fileType ?? EncodedFileType.DEFAULT_FILETYPE) !== EncodedFileType.DEFAULT_FILETYPE) {
    throw invalidField(
      'passthrough file_type',
      'leave file_type DEFAULT_FILETYPE: the track codec picks it',
    );
  }
  const isVideo = videoTrackId !== '';
  const draft = newEgressDraft({}, retryCount, false, !isVideo, isVideo);
  draft.file = planFile(draft, rawFile(file, uploadOf(first.storage?.provider)), 'outputs.file');
  return finishEgressDraft(draft, {
    ...base,
    requestType: 'track',
    sourceKind: 'sdk',
    source: { kind: 'track', trackId: isVideo ? videoTrackId : audioTrackId },
    roomName,
  });
}
