import { type EgressInfo, StreamInfoList } from '@livekit/protocol';

/**
 * Points the deprecated `EgressInfo.result` oneof (kept by Go for older clients) at the current
 * `file_results[0]`, `stream_results` or `segment_results[0]`, keeping whichever case it
 * already has. In Go both fields share one object; after a protobuf clone they are two, so call
 * this after changing a result. Changes `info` in place and returns it.
 */
export function syncLegacyResult(info: EgressInfo): EgressInfo {
  switch (info.result.case) {
    case 'file': {
      const file = info.fileResults[0];
      if (file) info.result = { case: 'file', value: file };
      break;
    }
    case 'segments': {
      const segments = info.segmentResults[0];
      if (segments) info.result = { case: 'segments', value: segments };
      break;
    }
    case 'stream':
      info.result = { case: 'stream', value: new StreamInfoList({ info: info.streamResults }) };
      break;
    default:
      break;
  }
  return info;
}
