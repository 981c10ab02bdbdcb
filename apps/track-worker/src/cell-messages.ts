import type { Config, ControlMessage, JobPayload } from '@egress/protocol';
import type { CrashSafeFile } from './track-pool-egress.js';

/**
 * Worker → cell: run an egress. Sent over IPC (never argv or env: the payload holds the room
 * token and storage keys).
 */
export interface CellStartMessage {
  type: 'start';
  payload: JobPayload;
  config: Config;
  tmpDir: string;
  trackWaitMs?: number;
}

/** Worker → cell: a control message for one of its egresses. */
export interface CellControlMessage {
  type: 'control';
  egressId: string;
  message: ControlMessage;
}

/** Messages the worker sends to a cell. */
export type ToCellMessage = CellStartMessage | CellControlMessage;

/** Messages a cell sends to the worker; `info` is EgressInfo protobuf JSON. */
export type FromCellMessage =
  | { type: 'status'; egressId: string; info: Record<string, unknown> }
  | { type: 'reply'; egressId: string; requestId: string; reply: string }
  | { type: 'final'; egressId: string; info: Record<string, unknown> }
  | { type: 'file'; egressId: string; file: CrashSafeFile };
