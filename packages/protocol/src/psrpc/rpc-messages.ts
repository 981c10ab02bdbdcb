import type {
  BinaryReadOptions,
  FieldList,
  JsonReadOptions,
  JsonValue,
  PartialMessage,
  PlainMessage,
} from '@bufbuild/protobuf';
import { Message, proto3, ScalarType } from '@bufbuild/protobuf';
import {
  ExportReplayRequest,
  ParticipantEgressRequest,
  RoomCompositeEgressRequest,
  StartEgressRequest,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
  WebEgressRequest,
} from '@livekit/protocol';

// Hand-written @bufbuild/protobuf v1 classes for the `rpc` messages of livekit/protocol
// protobufs/rpc/egress.proto (checked at d74e7cdb, 2026-08-22) that @livekit/protocol does not
// ship. Prefixed `Rpc` because `livekit.StartEgressRequest` already owns the bare name. The
// livekit.* request messages inside are @livekit/protocol's own classes.

/** The oneof `request` of {@link RpcStartEgressRequest}: exactly one kind of egress. */
export type RpcStartEgressRequestKind =
  | { case: 'egress'; value: StartEgressRequest }
  | { case: 'replay'; value: ExportReplayRequest }
  | { case: 'roomComposite'; value: RoomCompositeEgressRequest }
  | { case: 'web'; value: WebEgressRequest }
  | { case: 'participant'; value: ParticipantEgressRequest }
  | { case: 'trackComposite'; value: TrackCompositeEgressRequest }
  | { case: 'track'; value: TrackEgressRequest }
  | { case: undefined; value?: undefined };

/**
 * `rpc.StartEgressRequest`, the argument of `EgressInternal.StartEgress` that livekit-server
 * sends in `Request.raw_request`. OSS livekit-server sets `egress_id`, `room_id` and one
 * `request` case; it leaves `token`, `ws_url`, `room_name` and `estimated_cpu` empty.
 */
export class RpcStartEgressRequest extends Message<RpcStartEgressRequest> {
  /** Field 1. */
  egressId = '';
  /**
   * Oneof `request`: `egress` 16 (livekit.StartEgressRequest, the v2 API), `replay` 17
   * (livekit.ExportReplayRequest), and the deprecated `roomComposite` 5, `web` 11,
   * `participant` 13, `trackComposite` 6, `track` 7.
   */
  request: RpcStartEgressRequestKind = { case: undefined };
  /** Field 3. */
  roomId = '';
  /** Field 18. */
  roomName = '';
  /** Field 8: a room join token; a secret, never log it. */
  token = '';
  /** Field 9. */
  wsUrl = '';
  /** Field 10: cloud only. */
  cloudBackupEnabled = false;
  /** Field 14 (`double`): cloud only. */
  estimatedCpu = 0;
  /** Field 15 (`int32`). */
  retryCount = 0;

  constructor(data?: PartialMessage<RpcStartEgressRequest>) {
    super();
    proto3.util.initPartial(data, this);
  }

  static readonly runtime: typeof proto3 = proto3;
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

  static fromBinary(
    bytes: Uint8Array,
    options?: Partial<BinaryReadOptions>,
  ): RpcStartEgressRequest {
    return new RpcStartEgressRequest().fromBinary(bytes, options);
  }
  static fromJson(jsonValue: JsonValue, options?: Partial<JsonReadOptions>): RpcStartEgressRequest {
    return new RpcStartEgressRequest().fromJson(jsonValue, options);
  }
  static fromJsonString(
    jsonString: string,
    options?: Partial<JsonReadOptions>,
  ): RpcStartEgressRequest {
    return new RpcStartEgressRequest().fromJsonString(jsonString, options);
  }
  static equals(
    a: RpcStartEgressRequest | PlainMessage<RpcStartEgressRequest> | undefined,
    b: RpcStartEgressRequest | PlainMessage<RpcStartEgressRequest> | undefined,
  ): boolean {
    return proto3.util.equals(RpcStartEgressRequest, a, b);
  }
}

/** `rpc.ListActiveEgressRequest`: an empty message, so `raw_request` is absent on the wire. */
export class RpcListActiveEgressRequest extends Message<RpcListActiveEgressRequest> {
  constructor(data?: PartialMessage<RpcListActiveEgressRequest>) {
    super();
    proto3.util.initPartial(data, this);
  }

  static readonly runtime: typeof proto3 = proto3;
  static readonly typeName = 'rpc.ListActiveEgressRequest';
  static readonly fields: FieldList = proto3.util.newFieldList(() => []);

  static fromBinary(
    bytes: Uint8Array,
    options?: Partial<BinaryReadOptions>,
  ): RpcListActiveEgressRequest {
    return new RpcListActiveEgressRequest().fromBinary(bytes, options);
  }
  static fromJson(
    jsonValue: JsonValue,
    options?: Partial<JsonReadOptions>,
  ): RpcListActiveEgressRequest {
    return new RpcListActiveEgressRequest().fromJson(jsonValue, options);
  }
  static fromJsonString(
    jsonString: string,
    options?: Partial<JsonReadOptions>,
  ): RpcListActiveEgressRequest {
    return new RpcListActiveEgressRequest().fromJsonString(jsonString, options);
  }
  static equals(
    a: RpcListActiveEgressRequest | PlainMessage<RpcListActiveEgressRequest> | undefined,
    b: RpcListActiveEgressRequest | PlainMessage<RpcListActiveEgressRequest> | undefined,
  ): boolean {
    return proto3.util.equals(RpcListActiveEgressRequest, a, b);
  }
}

/** `rpc.ListActiveEgressResponse`: each egress server answers with the ids it runs. */
export class RpcListActiveEgressResponse extends Message<RpcListActiveEgressResponse> {
  /** Field 1 (`repeated string`). */
  egressIds: string[] = [];

  constructor(data?: PartialMessage<RpcListActiveEgressResponse>) {
    super();
    proto3.util.initPartial(data, this);
  }

  static readonly runtime: typeof proto3 = proto3;
  static readonly typeName = 'rpc.ListActiveEgressResponse';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'egress_ids', kind: 'scalar', T: ScalarType.STRING, repeated: true },
  ]);

  static fromBinary(
    bytes: Uint8Array,
    options?: Partial<BinaryReadOptions>,
  ): RpcListActiveEgressResponse {
    return new RpcListActiveEgressResponse().fromBinary(bytes, options);
  }
  static fromJson(
    jsonValue: JsonValue,
    options?: Partial<JsonReadOptions>,
  ): RpcListActiveEgressResponse {
    return new RpcListActiveEgressResponse().fromJson(jsonValue, options);
  }
  static fromJsonString(
    jsonString: string,
    options?: Partial<JsonReadOptions>,
  ): RpcListActiveEgressResponse {
    return new RpcListActiveEgressResponse().fromJsonString(jsonString, options);
  }
  static equals(
    a: RpcListActiveEgressResponse | PlainMessage<RpcListActiveEgressResponse> | undefined,
    b: RpcListActiveEgressResponse | PlainMessage<RpcListActiveEgressResponse> | undefined,
  ): boolean {
    return proto3.util.equals(RpcListActiveEgressResponse, a, b);
  }
}
