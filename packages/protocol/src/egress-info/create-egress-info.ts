import {
  EgressInfo,
  EgressStatus,
  FileInfo,
  ImagesInfo,
  SegmentsInfo,
  StreamInfo,
  StreamInfo_Status,
  StreamInfoList,
  StreamProtocol,
} from '@livekit/protocol';
import type { EgressRequest } from '../request-types.js';
import { redactStreamUrl } from '../validation/stream-url.js';
import { msToNs } from './ns-time.js';
import { type RedactUrl, redactRequest } from './redact-request.js';
import { egressSourceTypeOf } from './source-type.js';

/** Options of {@link createEgressInfo}. */
export interface CreateEgressInfoOptions {
  /** The new egress's id (see `newEgressId`). */
  egressId: string;
  /** The request as received, secrets included; the info keeps a redacted copy. */
  request: EgressRequest;
  /** The room's `RM_` id when the caller knows it (livekit-server sends it). @defaultValue '' */
  roomId?: string;
  /** Creation time, epoch milliseconds. @defaultValue `Date.now()` */
  nowMs?: number;
  /** Times this egress was retried (livekit-server's `retry_count`). @defaultValue 0 */
  retryCount?: number;
  /**
   * Redacts stream and WebSocket URLs in the copied request and in `stream_results`.
   * @defaultValue `redactStreamUrl` (validation/stream-url.ts)
   */
  redactUrl?: RedactUrl;
}

interface StreamLike {
  protocol: StreamProtocol;
  urls: string[];
}

// Go stamps started_at when it adds a stream, except for RTMP, which is stamped once the
// connection is up (livekit/egress pkg/config/urls.go).
function isRtmp(stream: StreamLike, url: string): boolean {
  if (stream.protocol === StreamProtocol.RTMP) return true;
  if (stream.protocol !== StreamProtocol.DEFAULT_PROTOCOL) return false;
  return /^(rtmps?|mux|twitch):/i.test(url);
}

function streamResults(stream: StreamLike, nowNs: bigint, redactUrl: RedactUrl): StreamInfo[] {
  return stream.urls.map(
    (url) =>
      new StreamInfo({
        url: redactUrl(url),
        status: StreamInfo_Status.ACTIVE,
        startedAt: isRtmp(stream, url) ? 0n : nowNs,
      }),
  );
}

interface PlannedOutputs {
  file: boolean;
  stream: StreamLike | undefined;
  segments: boolean;
  images: number;
}

function plannedOutputs(request: EgressRequest): PlannedOutputs {
  switch (request.case) {
    case 'track': {
      const output = request.value.output;
      return {
        file: output.case === 'file',
        stream:
          output.case === 'websocketUrl'
            ? { protocol: StreamProtocol.WEBSOCKET, urls: [output.value] }
            : undefined,
        segments: false,
        images: 0,
      };
    }
    case 'egress': {
      const outputs = request.value.outputs;
      const stream = outputs.find((o) => o.config.case === 'stream')?.config.value;
      return {
        file: outputs.some((o) => o.config.case === 'file'),
        stream: stream && 'urls' in stream ? stream : undefined,
        segments: outputs.some((o) => o.config.case === 'segments'),
        images: outputs.filter((o) => o.config.case === 'images').length,
      };
    }
    default: {
      const req = request.value;
      const legacy = 'output' in req ? req.output : undefined;
      return {
        file: req.fileOutputs.length > 0 || legacy?.case === 'file',
        stream: req.streamOutputs[0] ?? (legacy?.case === 'stream' ? legacy.value : undefined),
        segments: req.segmentOutputs.length > 0 || legacy?.case === 'segments',
        images: req.imageOutputs.length,
      };
    }
  }
}

function roomNameOf(request: EgressRequest): string {
  return request.case === 'web' ? '' : request.value.roomName;
}

/**
 * A new EgressInfo in `EGRESS_STARTING`, as Go's `PipelineConfig.Update` builds it: the request
 * copied (redacted) into its `request` case, `room_name` from the request, `source_type`,
 * `started_at` and `updated_at` both the creation time (Go stamps `started_at` here, not at
 * ACTIVE), and one result placeholder per planned output: `stream_results` one ACTIVE entry per
 * URL (URL redacted, `started_at` set except for RTMP), `file_results` / `segment_results` one
 * empty entry, `image_results` one per image output. File names and playlist names stay empty
 * until the worker resolves them. The deprecated `result` oneof is set when there is exactly one
 * kind of output, as in Go.
 */
export function createEgressInfo(options: CreateEgressInfoOptions): EgressInfo {
  const nowNs = msToNs(options.nowMs ?? Date.now());
  const redactUrl = options.redactUrl ?? redactStreamUrl;
  const redacted = redactRequest(options.request, { redactUrl });
  const planned = plannedOutputs(options.request);

  const info = new EgressInfo({
    egressId: options.egressId,
    roomId: options.roomId ?? '',
    roomName: roomNameOf(options.request),
    sourceType: egressSourceTypeOf(options.request),
    status: EgressStatus.EGRESS_STARTING,
    startedAt: nowNs,
    updatedAt: nowNs,
    retryCount: options.retryCount ?? 0,
    request: redacted,
  });

  if (planned.file) info.fileResults = [new FileInfo()];
  if (planned.stream) info.streamResults = streamResults(planned.stream, nowNs, redactUrl);
  if (planned.segments) info.segmentResults = [new SegmentsInfo()];
  for (let i = 0; i < planned.images; i++) info.imageResults.push(new ImagesInfo());

  const kinds = [planned.file, planned.stream !== undefined, planned.segments, planned.images > 0];
  if (kinds.filter(Boolean).length === 1) {
    const file = info.fileResults[0];
    const segments = info.segmentResults[0];
    if (file) info.result = { case: 'file', value: file };
    else if (segments) info.result = { case: 'segments', value: segments };
    else if (info.streamResults.length > 0) {
      info.result = { case: 'stream', value: new StreamInfoList({ info: info.streamResults }) };
    }
  }
  return info;
}
