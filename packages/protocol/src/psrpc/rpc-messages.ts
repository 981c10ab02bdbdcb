import type { FieldList } from '@bufbuild/protobuf';
import { proto3, ScalarType } from '@bufbuild/protobuf';
import {
  ExportReplayRequest,
  ParticipantEgressRequest,
  RoomCompositeEgressRequest,
  StartEgressRequest,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
  WebEgressRequest,
} from '@livekit/protocol';
import type { EgressRequest } from '../request-types.js';
import { Proto3Message } from './proto3-message.js';

// Hand-written @bufbuild/protobuf v1 classes for the `rpc` messages of livekit/protocol
// protobufs/rpc/egress.proto (checked at d74e7cdb, 2026-08-22) that @livekit/protocol does not
// ship; the rest comes from Proto3Message. Prefixed `Rpc` because `livekit.StartEgressRequest`
// already owns the bare name. The livekit.* request messages inside are @livekit/protocol's own
// classes.

/** The oneof `request` of {@link RpcStartEgressRequest}: exactly one kind of egress. */
export type RpcStartEgressRequestKind =
  | EgressRequest
  | { case: 'replay'; value: ExportReplayRequest }
  | { case: undefined; value?: undefined };

/**
 * `rpc.StartEgressRequest`, the argument of `EgressInternal.StartEgress` that livekit-server
 * sends in `Request.raw_request`. OSS livekit-server sets `egress_id`, `room_id` and one
 * `request` case; it leaves `token`, `ws_url`, `room_name` and `estimated_cpu` empty.
 */
export class RpcStartEgressRequest extends Proto3Message<RpcStartEgressRequest> {
  /** Field 1. */
  declare egressId: string;
  /**
   * Oneof `request`: `egress` 16 (livekit.StartEgressRequest, the v2 API), `replay` 17
   * (livekit.ExportReplayRequest), and the deprecated `roomComposite` 5, `web` 11,
   * `participant` 13, `trackComposite` 6, `track` 7.
   */
  declare request: RpcStartEgressRequestKind;
  /** Field 3. */
  declare roomId: string;
  /** Field 18. */
  declare roomName: string;
  /** Field 8: a room join token; a secret, never log it. */
  declare token: string;
  /** Field 9. */
  declare wsUrl: string;
  /** Field 10: cloud only. */
  declare cloudBackupEnabled: boolean;
  /** Field 14 (`double`): cloud only. */
  declare estimatedCpu: number;
  /** Field 15 (`int32`). */
  declare retryCount: number;

  static readonly typeName = 'rpc.StartEgressRequest';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'egress_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 16, name: 'egress', kind: 'message', T: StartEgressRequest, oneof: 'request' },
    { no: 17, name: 'replay', kind: 'message', T: ExportReplayRequest, oneof: 'request' },
    {
      no: 5,
      name: 'room_composite',
      kind: 'message',
      T: RoomCompositeEgressRequest,
      oneof: 'request',
    },
    { no: 11, name: 'web', kind: 'message', T: WebEgressRequest, oneof: 'request' },
    { no: 13, name: 'participant', kind: 'message', T: ParticipantEgressRequest, oneof: 'request' },
    {
      no: 6,
      name: 'track_composite',
      kind: 'message',
      T: TrackCompositeEgressRequest,
      oneof: 'request',
    },
    { no: 7, name: 'track', kind: 'message', T: TrackEgressRequest, oneof: 'request' },
    { no: 3, name: 'room_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 18, name: 'room_name', kind: 'scalar', T: ScalarType.STRING },
    { no: 8, name: 'token', kind: 'scalar', T: ScalarType.STRING },
    { no: 9, name: 'ws_url', kind: 'scalar', T: ScalarType.STRING },
    { no: 10, name: 'cloud_backup_enabled', kind: 'scalar', T: ScalarType.BOOL },
    { no: 14, name: 'estimated_cpu', kind: 'scalar', T: ScalarType.DOUBLE },
    { no: 15, name: 'retry_count', kind: 'scalar', T: ScalarType.INT32 },
  ]);
}

/** `rpc.ListActiveEgressRequest`: an empty message, so `raw_request` is absent on the wire. */
export class RpcListActiveEgressRequest extends Proto3Message<RpcListActiveEgressRequest> {
  static readonly typeName = 'rpc.ListActiveEgressRequest';
  static readonly fields: FieldList = proto3.util.newFieldList(() => []);
}

/** `rpc.ListActiveEgressResponse`: each egress server answers with the ids it runs. */
export class RpcListActiveEgressResponse extends Proto3Message<RpcListActiveEgressResponse> {
  /** Field 1 (`repeated string`). */
  declare egressIds: string[];

  static readonly typeName = 'rpc.ListActiveEgressResponse';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'egress_ids', kind: 'scalar', T: ScalarType.STRING, repeated: true },
  ]);
}
