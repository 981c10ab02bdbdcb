import type { ControlMessage, JobPayload } from '@egress/protocol';
import type { EgressInfo } from '@livekit/protocol';

/** What {@link EgressHost.run} needs for one egress. */
export interface RunEgressOptions {
  payload: JobPayload;
  /** The egress's own temporary folder. */
  tmpDir: string;
  /** Called with the info after every status change. */
  onInfo: (info: EgressInfo) => Promise<void>;
}

/** One egress running in a host. */
export interface HostedEgress {
  /** Handles a (de-duplicated) control message; resolves with the reply JSON to publish. */
  control(message: ControlMessage): Promise<string>;
  /** The final info; never rejects. */
  readonly done: Promise<EgressInfo>;
}

/** Where egresses run: in this process (tests) or in cell processes (the worker's default). */
export interface EgressHost {
  run(options: RunEgressOptions): HostedEgress;
  /** Waits for running egresses to end, then releases the host. */
  close(): Promise<void>;
}
