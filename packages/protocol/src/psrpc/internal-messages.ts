import type { FieldList } from '@bufbuild/protobuf';
import { Any, proto3, ScalarType } from '@bufbuild/protobuf';
import { Proto3Message } from './proto3-message.js';

// Hand-written @bufbuild/protobuf v1 classes for livekit/psrpc internal/internal.proto (package
// `internal`, proto3), with the field lists protoc-gen-es would write; the rest comes from
// Proto3Message. Field numbers are in each field's TSDoc and in psrpc-wire.md §3. The classes are
// prefixed `Psrpc` so they do not shadow the global fetch `Request`/`Response`; their protobuf
// type names stay `internal.X`, which is what goes into the envelope's type URL. `toBinary()`
// writes fields in ascending number order and skips proto3 defaults, as protobuf-go does, so the
// bytes match Go's.

/**
 * `internal.Msg`, the outer envelope of every psrpc PUBLISH. On Redis it is byte-for-byte a
 * `google.protobuf.Any`.
 */
export class PsrpcMsg extends Proto3Message<PsrpcMsg> {
  /** Field 1: `type.googleapis.com/internal.<Request|Response|ClaimRequest|ClaimResponse>`. */
  declare typeUrl: string;
  /** Field 2: the marshalled inner message. */
  declare value: Uint8Array;
  /** Field 3: NATS only; always empty (absent) on Redis. */
  declare channel: string;

  static readonly typeName = 'internal.Msg';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'type_url', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'value', kind: 'scalar', T: ScalarType.BYTES },
    { no: 3, name: 'channel', kind: 'scalar', T: ScalarType.STRING },
  ]);
}

/** `internal.Request`: an RPC call, published by the client on `Svc|Method|topic|REQ`. */
export class PsrpcRequest extends Proto3Message<PsrpcRequest> {
  /** Field 1: `REQ_` + 12 chars, new for every attempt. */
  declare requestId: string;
  /** Field 2: the caller's `CLI_` id; it names the caller's `RES` and `CLAIM` channels. */
  declare clientId: string;
  /** Field 3: Unix time in nanoseconds. */
  declare sentAt: bigint;
  /** Field 4: Unix time in nanoseconds; servers drop the request once `now >= expiry`. */
  declare expiry: bigint;
  /** Field 5: true only for MULTI methods (ListActiveEgress). */
  declare multi: boolean;
  /** Field 6: deprecated since psrpc v0.3.0, never set now. */
  declare request?: Any;
  /** Field 7: usually absent; the otel interceptor may add `traceparent`. */
  declare metadata: Record<string, string>;
  /** Field 8: the marshalled RPC argument; absent (empty) for an empty message. */
  declare rawRequest: Uint8Array;

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
}

/** `internal.Response`: the result of a call, published by the server on `Svc|<clientId>|RES`. */
export class PsrpcResponse extends Proto3Message<PsrpcResponse> {
  /** Field 1: echoes `Request.request_id`. */
  declare requestId: string;
  /** Field 2: the responder's `SRV_` id (the client ignores it). */
  declare serverId: string;
  /** Field 3: Unix time in nanoseconds (the client ignores it). */
  declare sentAt: bigint;
  /** Field 4: deprecated, unused. */
  declare response?: Any;
  /** Field 5: the error message; non-empty means failure and `rawResponse` is ignored. */
  declare error: string;
  /** Field 6: the psrpc error code string (`unavailable`, ...); empty reads as `unknown`. */
  declare code: string;
  /** Field 7: the marshalled RPC result; absent for `google.protobuf.Empty`. */
  declare rawResponse: Uint8Array;
  /** Field 8: optional gRPC-style error details. */
  declare errorDetails: Any[];

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
}

/**
 * `internal.ClaimRequest`: a server offering to handle a request, published on
 * `Svc|<clientId>|CLAIM`.
 */
export class PsrpcClaimRequest extends Proto3Message<PsrpcClaimRequest> {
  /** Field 1: the request being claimed. */
  declare requestId: string;
  /** Field 2: the id the client echoes back if it picks this server. */
  declare serverId: string;
  /**
   * Field 3: `float` (wire type fixed32, little-endian): 1.0 is `1d 00 00 80 3f`. An affinity of 0
   * is not encoded and can never win a selection.
   */
  declare affinity: number;

  static readonly typeName = 'internal.ClaimRequest';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'request_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'server_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 3, name: 'affinity', kind: 'scalar', T: ScalarType.FLOAT },
  ]);
}

/**
 * `internal.ClaimResponse`: the client's pick among the claims, published on
 * `Svc|Method|topic|RCLAIM`. Every server not named drops the request.
 */
export class PsrpcClaimResponse extends Proto3Message<PsrpcClaimResponse> {
  /** Field 1: the request that was claimed. */
  declare requestId: string;
  /** Field 2: the chosen server's `SRV_` id. */
  declare serverId: string;

  static readonly typeName = 'internal.ClaimResponse';
  static readonly fields: FieldList = proto3.util.newFieldList(() => [
    { no: 1, name: 'request_id', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'server_id', kind: 'scalar', T: ScalarType.STRING },
  ]);
}
