export {
  assertEnvelopeFitsChannel,
  ENVELOPE_KIND_BY_CHANNEL_KIND,
  type EnvelopeKindForChannel,
  encodeForChannel,
  envelopeKindForChannel,
} from './channel-guard.js';
export {
  CHANNEL_KINDS,
  type ChannelKind,
  type ChannelPart,
  channelKindOf,
  claimRequestChannel,
  claimResponseChannel,
  formatChannel,
  PSRPC_METHODS,
  PSRPC_SERVICES,
  requestChannel,
  responseChannel,
  sanitize,
} from './channels.js';
export {
  decodeEnvelope,
  type Envelope,
  type EnvelopeKind,
  type EnvelopeMessage,
  encodeEnvelope,
  envelopeKindOf,
  PSRPC_READ_OPTIONS,
  TYPE_URL_PREFIX,
} from './envelope.js';
export {
  isExpired,
  newClientId,
  newRequestId,
  newServerId,
  nowNs,
  PSRPC_ID_ALPHABET,
  PSRPC_ID_RANDOM_LENGTH,
  QUEUE_LOCK_TTL_SEC,
  queueLockKey,
} from './ids.js';
export {
  PsrpcClaimRequest,
  PsrpcClaimResponse,
  PsrpcMsg,
  PsrpcRequest,
  PsrpcResponse,
} from './internal-messages.js';
export {
  RpcListActiveEgressRequest,
  RpcListActiveEgressResponse,
  RpcStartEgressRequest,
  type RpcStartEgressRequestKind,
} from './rpc-messages.js';
