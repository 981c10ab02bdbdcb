import type { PartialMessage } from '@bufbuild/protobuf';
import {
  EgressInfo,
  EncodedFileOutput,
  EncodedFileType,
  FileInfo,
  RoomCompositeEgressRequest,
} from '@livekit/protocol';

const STARTED_AT_NS = 1767225600500000000n;

/** The request of psrpc-wire.md §8 V1 and V4: `my-room`, layout `speaker`, to one MP4 file. */
export function goldenRoomComposite(): RoomCompositeEgressRequest {
  return new RoomCompositeEgressRequest({
    roomName: 'my-room',
    layout: 'speaker',
    fileOutputs: [
      new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'recordings/EG_test.mp4' }),
    ],
  });
}

/**
 * The EgressInfo of psrpc-wire.md §8 V4 (a room composite of `my-room` to
 * `recordings/EG_test.mp4`, started and updated at 2026-01-01T00:00:00.5Z); `changes` make the
 * other vectors' infos from it, as V5 does with its status and `updatedAt`.
 */
export function goldenEgressInfo(changes: PartialMessage<EgressInfo> = {}): EgressInfo {
  return new EgressInfo({
    egressId: 'EG_test',
    roomId: 'RM_test',
    roomName: 'my-room',
    startedAt: STARTED_AT_NS,
    updatedAt: STARTED_AT_NS,
    request: { case: 'roomComposite', value: goldenRoomComposite() },
    fileResults: [new FileInfo({ filename: 'recordings/EG_test.mp4' })],
    ...changes,
  });
}
