import type {
  Config,
  ControlMessage,
  EgressErrorJson,
  EndReason,
  JobPayload,
} from '@egress/protocol';
import type { DisplaySize } from './display-size.js';
import type { MediaSourceKind } from './media-source.js';

/**
 * Parent → egress child: what to run. Sent over the IPC channel (never argv or env: the payload
 * holds the room token, storage keys and stream keys).
 */
export interface StartMessage {
  type: 'start';
  payload: JobPayload;
  config: Config;
  /** Folder the egress writes its outputs in before upload (removed after a clean end). */
  tmpDir: string;
  mediaSource: MediaSourceKind;
}

/**
 * Parent → a new egress child before its job is known: start the display, audio sink and
 * browser (on `about:blank`) now, answer `ready`, and wait for `start`.
 */
export interface PrepareMessage {
  type: 'prepare';
  /** Names the PulseAudio sink and the logs until a job comes (`EGW_...`). */
  warmId: string;
  config: Config;
  display: DisplaySize;
}

/** Parent → egress child: a control message from the egress's channel, already de-duplicated. */
export interface ControlRequestMessage {
  type: 'control';
  message: ControlMessage;
}

/**
 * Parent → egress child: end gracefully with `endReason`, as Go's StopProcess does for the egress
 * that overloads the CPU ("CPU exhausted"); the egress ends as a normal stop would.
 */
export interface EndMessage {
  type: 'end';
  endReason: EndReason;
}

/**
 * Parent → egress child: Go's KillEgress from the CPU or memory watchdog: EOS, then FAILED with
 * `error`; the files are still finalized and uploaded.
 */
export interface KillMessage {
  type: 'kill';
  error: EgressErrorJson;
}

/** Messages the worker sends to an egress child. */
export type ParentMessage =
  | PrepareMessage
  | StartMessage
  | ControlRequestMessage
  | EndMessage
  | KillMessage;

/** Child → parent: the prepared display, sink and browser wait for a job. */
export interface ReadyMessage {
  type: 'ready';
  /** Process groups started outside the child's own (Chromium), as in `process-groups`. */
  pgids: number[];
}

/**
 * Child → parent: the `start` message arrived and the child runs the job. A warm child that
 * exits before saying so never took the job, which then starts in a new process.
 */
export interface AcceptedMessage {
  type: 'accepted';
}

/** Child → parent: the EgressInfo changed (protobuf JSON); the parent sends it as job progress. */
export interface StatusMessage {
  type: 'status';
  info: Record<string, unknown>;
}

/** Child → parent: the reply to a control request, as the JSON string to publish. */
export interface ControlReplyMessage {
  type: 'reply';
  requestId: string;
  reply: string;
}

/**
 * Child → parent: where the crash-safe file lives, as soon as names are resolved, so the parent
 * can upload it if the child dies.
 */
export interface OutputsMessage {
  type: 'outputs';
  file?: { localPath: string; storagePath: string };
}

/**
 * Child → parent: process groups the media source started outside the child's own group
 * (Chromium): measured for admission, killed if the child dies.
 */
export interface ProcessGroupsMessage {
  type: 'process-groups';
  pgids: number[];
}

/** Child → parent: the final EgressInfo; the child exits right after. */
export interface FinalMessage {
  type: 'final';
  info: Record<string, unknown>;
}

/** Messages an egress child sends to the worker. */
export type ChildMessage =
  | ReadyMessage
  | AcceptedMessage
  | StatusMessage
  | ControlReplyMessage
  | OutputsMessage
  | ProcessGroupsMessage
  | FinalMessage;
