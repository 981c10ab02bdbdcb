import type {
  BinaryReadOptions,
  FieldList,
  JsonReadOptions,
  JsonValue,
  PartialMessage,
  PlainMessage,
} from '@bufbuild/protobuf';
import { Any, Message, proto3, protoInt64, ScalarType } from '@bufbuild/protobuf';

// Hand-written @bufbuild/protobuf v1 classes for livekit/psrpc internal/internal.proto (package
// `internal`, proto3), shaped like protoc-gen-es output. Field numbers are in each field's TSDoc
// and in psrpc-wire.md §3. The classes are prefixed `Psrpc` so they do not shadow the global
// fetch `Request`/`Response`; their protobuf type names stay `internal.X`, which is what goes
// into the envelope's type URL. `toBinary()` writes fields in ascending number order and skips
// proto3 defaults, as protobuf-go does, so the bytes match Go's.

/**
 * `internal.Msg`, the outer envelope of every psrpc PUBLISH. On Redis it is byte-for-byte a
 * `google.protobuf.Any`.
 */
export class PsrpcMsg extends Message<PsrpcMsg> {
  /** Field 1: `type.googleapis.com/internal.<Request|Response|ClaimRequest|ClaimResponse>`. */
  typeUrl = '';
  /** Field 2: the marshalled inner message. */
  value: Uint8Array = new Uint8Array(0);
  /** Field 3: NATS only; always empty (absent) on Redis. */
  channel = '';

  constructor(data?: PartialMessage<PsrpcMsg>) {
    super();
    proto3.util.initPartial(data, this);
  }

  static readonly runtime: typeof proto3 = proto3;
  static readonly typeName = 'internal.Msg';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'type_url', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'value', kind: 'scalar', T: ScalarType.BYTES },
    { no: 3, name: 'channel', kind: 'scalar', T: ScalarType.STRING },
  ]);

  static fromBinary(bytes: Uint8Array, options?: Partial<BinaryReadOptions>): PsrpcMsg {
    return new PsrpcMsg().fromBinary(bytes, options);
  }
  static fromJson(jsonValue: JsonValue, options?: Partial<JsonReadOptions>): PsrpcMsg {
    return new PsrpcMsg().fromJson(jsonValue, options);
  }
  static fromJsonString(jsonString: string, options?: Partial<JsonReadOptions>): PsrpcMsg {
    return new PsrpcMsg().fromJsonString(jsonString, options);
  }
  static equals(
    a: PsrpcMsg | PlainMessage<PsrpcMsg> | undefined,
    b: PsrpcMsg | PlainMessage<PsrpcMsg> | undefined,
  ): boolean {
    return proto3.util.equals(PsrpcMsg, a, b);
  }
}

/** `internal.Request`: an RPC call, published by the client on `Svc|Method|topic|REQ`. */
export class PsrpcRequest extends Message<PsrpcRequest> {
  /** Field 1: `REQ_` + 12 chars, new for every attempt. */
  requestId = '';
  /** Field 2: the caller's `CLI_` id; it names the caller's `RES` and `CLAIM` channels. */
  clientId = '';
  /** Field 3: Unix time in nanoseconds. */
  sentAt = protoInt64.zero;
  /** Field 4: Unix time in nanoseconds; servers drop the request once `now >= expiry`. */
  expiry = protoInt64.zero;
  /** Field 5: true only for MULTI methods (ListActiveEgress). */
  multi = false;
  /** Field 6: deprecated since psrpc v0.3.0, never set now. */
  request?: Any;
  /** Field 7: usually absent; the otel interceptor may add `traceparent`. */
  metadata: Record<string, string> = {};
  /** Field 8: the marshalled RPC argument; absent (empty) for an empty message. */
  rawRequest: Uint8Array = new Uint8Array(0);

  constructor(data?: PartialMessage<PsrpcRequest>) {
    super();
    proto3.util.initPartial(data, this);
  }

  static readonly runtime: typeof proto3 = proto3;
  static readonly typeName = 'internal.Request';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'request_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'client_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 3, name: 'sent_at', kind: 'scalar', T: ScalarType.INT64 },
    { no: 4, name: 'expiry', kind: 'scalar', T: ScalarType.INT64 },
    { no: 5, name: 'multi', kind: 'scalar', T: ScalarType.BOOL },
    { no: 6, name: 'request', kind: 'message', T: Any },
    {
      no: 7,
      name: 'metadata',
      kind: 'map',
      K: ScalarType.STRING,
      V: { kind: 'scalar', T: ScalarType.STRING },
    },
    { no: 8, name: 'raw_request', kind: 'scalar', T: ScalarType.BYTES },
  ]);

  static fromBinary(bytes: Uint8Array, options?: Partial<BinaryReadOptions>): PsrpcRequest {
    return new PsrpcRequest().fromBinary(bytes, options);
  }
  static fromJson(jsonValue: JsonValue, options?: Partial<JsonReadOptions>): PsrpcRequest {
    return new PsrpcRequest().fromJson(jsonValue, options);
  }
  static fromJsonString(jsonString: string, options?: Partial<JsonReadOptions>): PsrpcRequest {
    return new PsrpcRequest().fromJsonString(jsonString, options);
  }
  static equals(
    a: PsrpcRequest | PlainMessage<PsrpcRequest> | undefined,
    b: PsrpcRequest | PlainMessage<PsrpcRequest> | undefined,
  ): boolean {
    return proto3.util.equals(PsrpcRequest, a, b);
  }
}

/** `internal.Response`: the result of a call, published by the server on `Svc|<clientId>|RES`. */
export class PsrpcResponse extends Message<PsrpcResponse> {
  /** Field 1: echoes `Request.request_id`. */
  requestId = '';
  /** Field 2: the responder's `SRV_` id (the client ignores it). */
  serverId = '';
  /** Field 3: Unix time in nanoseconds (the client ignores it). */
  sentAt = protoInt64.zero;
  /** Field 4: deprecated, unused. */
  response?: Any;
  /** Field 5: the error message; non-empty means failure and `rawResponse` is ignored. */
  error = '';
  /** Field 6: the psrpc error code string (`unavailable`, ...); empty reads as `unknown`. */
  code = '';
  /** Field 7: the marshalled RPC result; absent for `google.protobuf.Empty`. */
  rawResponse: Uint8Array = new Uint8Array(0);
  /** Field 8: optional gRPC-style error details. */
  errorDetails: Any[] = [];

  constructor(data?: PartialMessage<PsrpcResponse>) {
    super();
    proto3.util.initPartial(data, this);
  }

  static readonly runtime: typeof proto3 = proto3;
  static readonly typeName = 'internal.Response';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'request_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'server_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 3, name: 'sent_at', kind: 'scalar', T: ScalarType.INT64 },
    { no: 4, name: 'response', kind: 'message', T: Any },
    { no: 5, name: 'error', kind: 'scalar', T: ScalarType.STRING },
    { no: 6, name: 'code', kind: 'scalar', T: ScalarType.STRING },
    { no: 7, name: 'raw_response', kind: 'scalar', T: ScalarType.BYTES },
    { no: 8, name: 'error_details', kind: 'message', T: Any, repeated: true },
  ]);

  static fromBinary(bytes: Uint8Array, options?: Partial<BinaryReadOptions>): PsrpcResponse {
    return new PsrpcResponse().fromBinary(bytes, options);
  }
  static fromJson(jsonValue: JsonValue, options?: Partial<JsonReadOptions>): PsrpcResponse {
    return new PsrpcResponse().fromJson(jsonValue, options);
  }
  static fromJsonString(jsonString: string, options?: Partial<JsonReadOptions>): PsrpcResponse {
    return new PsrpcResponse().fromJsonString(jsonString, options);
  }
  static equals(
    a: PsrpcResponse | PlainMessage<PsrpcResponse> | undefined,
    b: PsrpcResponse | PlainMessage<PsrpcResponse> | undefined,
  ): boolean {
    return proto3.util.equals(PsrpcResponse, a, b);
  }
}

/**
 * `internal.ClaimRequest`: a server offering to handle a request, published on
 * `Svc|<clientId>|CLAIM`.
 */
export class PsrpcClaimRequest extends Message<PsrpcClaimRequest> {
  /** Field 1: the request being claimed. */
  requestId = '';
  /** Field 2: the id the client echoes back if it picks this server. */
  serverId = '';
  /**
   * Field 3: `float` (wire type fixed32, little-endian): 1.0 is `1d 00 00 80 3f`. An affinity of 0
   * is not encoded and can never win a selection.
   */
  affinity = 0;

  constructor(data?: PartialMessage<PsrpcClaimRequest>) {
    super();
    proto3.util.initPartial(data, this);
  }

  static readonly runtime: typeof proto3 = proto3;
  static readonly typeName = 'internal.ClaimRequest';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'request_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'server_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 3, name: 'affinity', kind: 'scalar', T: ScalarType.FLOAT },
  ]);

  static fromBinary(bytes: Uint8Array, options?: Partial<BinaryReadOptions>): PsrpcClaimRequest {
    return new PsrpcClaimRequest().fromBinary(bytes, options);
  }
  static fromJson(jsonValue: JsonValue, options?: Partial<JsonReadOptions>): PsrpcClaimRequest {
    return new PsrpcClaimRequest().fromJson(jsonValue, options);
  }
  static fromJsonString(jsonString: string, options?: Partial<JsonReadOptions>): PsrpcClaimRequest {
    return new PsrpcClaimRequest().fromJsonString(jsonString, options);
  }
  static equals(
    a: PsrpcClaimRequest | PlainMessage<PsrpcClaimRequest> | undefined,
    b: PsrpcClaimRequest | PlainMessage<PsrpcClaimRequest> | undefined,
  ): boolean {
    return proto3.util.equals(PsrpcClaimRequest, a, b);
  }
}

/**
 * `internal.ClaimResponse`: the client's pick among the claims, published on
 * `Svc|Method|topic|RCLAIM`. Every server not named drops the request.
 */
export class PsrpcClaimResponse extends Message<PsrpcClaimResponse> {
  /** Field 1: the request that was claimed. */
  requestId = '';
  /** Field 2: the chosen server's `SRV_` id. */
  serverId = '';

  constructor(data?: PartialMessage<PsrpcClaimResponse>) {
    super();
    proto3.util.initPartial(data, this);
  }

  static readonly runtime: typeof proto3 = proto3;
  static readonly typeName = 'internal.ClaimResponse';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'request_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'server_id', kind: 'scalar', T: ScalarType.STRING },
  ]);

  static fromBinary(bytes: Uint8Array, options?: Partial<BinaryReadOptions>): PsrpcClaimResponse {
    return new PsrpcClaimResponse().fromBinary(bytes, options);
  }
  static fromJson(jsonValue: JsonValue, options?: Partial<JsonReadOptions>): PsrpcClaimResponse {
    return new PsrpcClaimResponse().fromJson(jsonValue, options);
  }
  static fromJsonString(
    jsonString: string,
    options?: Partial<JsonReadOptions>,
  ): PsrpcClaimResponse {
    return new PsrpcClaimResponse().fromJsonString(jsonString, options);
  }
  static equals(
    a: PsrpcClaimResponse | PlainMessage<PsrpcClaimResponse> | undefined,
    b: PsrpcClaimResponse | PlainMessage<PsrpcClaimResponse> | undefined,
  ): boolean {
    return proto3.util.equals(PsrpcClaimResponse, a, b);
  }
}
