import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { EgressInfo } from 'livekit-server-sdk';
import type { EgressStack } from '../demo/egress-stack.js';
import { type OutputExpectation, outputMismatches } from '../demo/expectations.js';
import { type PcmReceiver, startPcmReceiver } from '../demo/pcm-receiver.js';
import { probeOutput } from '../demo/probe-output.js';
import { startTestStack, type TestStack, type TestStackOptions } from '../test-stack.js';
import { type LayoutPageServer, startLayoutPageServer } from './layout-page-server.js';
import { durationMismatch } from './record-egress.js';
import {
  COMPOSITE_MEDIA,
  fileLocation,
  REQUEST_TYPE_BOTS,
  REQUEST_TYPE_CPU_COST,
  savedPcmOutput,
  WEBSOCKET_PCM,
} from './request-types.js';

// What the flow files running every request type (one per door) start and check the same way.

/** One request type's egress, as each door's flow file runs it, less how it is requested. */
export interface RequestTypeFlow {
  name: string;
  /** Its room; a web egress has none (nor a room id), so it is listed without a room. */
  room: string;
  /** Where the output can be probed once it ended. */
  outputPath: (ended: EgressInfo) => Promise<string>;
  want: OutputExpectation;
}

/** The output of a composite request type: one MP4 file of {@link COMPOSITE_MEDIA}. */
export const COMPOSITE_FILE: Pick<RequestTypeFlow, 'outputPath' | 'want'> = {
  outputPath: fileLocation,
  want: COMPOSITE_MEDIA,
};

/**
 * The output of the WebSocket track request type: the PCM the rig's receiver got, as
 * {@link WEBSOCKET_PCM}. `rig` is read once the egress ended.
 */
export function websocketPcm(
  rig: () => RequestTypeRig | undefined,
): Pick<RequestTypeFlow, 'outputPath' | 'want'> {
  return {
    outputPath: () => {
      const started = rig();
      assert.ok(started);
      return started.websocketOutput();
    },
    want: WEBSOCKET_PCM,
  };
}

/** Options of {@link startRequestTypeRig}. */
export type RequestTypeRigOptions = Pick<TestStackOptions, 'room' | 'redisAddress' | 'redisDb'> & {
  /** Config keys on top of {@link REQUEST_TYPE_CPU_COST}'s `cpu_cost`. */
  config?: Record<string, string>;
};

/** The stack with {@link REQUEST_TYPE_BOTS}, and the ends a web and a WebSocket egress need. */
export interface RequestTypeRig {
  readonly stack: EgressStack;
  /** The page a web egress records. */
  readonly pageUrl: string;
  /** Where a WebSocket track egress sends its PCM. */
  readonly pcmUrl: string;
  /** Waits for the WebSocket track egress to end and saves its PCM; see `savedPcmOutput`. */
  websocketOutput(): Promise<string>;
  /** Stops all of it; see {@link TestStack.close}. */
  close(isFailed: boolean): Promise<void>;
}

/**
 * Starts a layout page, a PCM receiver and the whole system with the request types' bots and
 * CPU costs; what started is stopped again when a later part fails to start.
 */
export async function startRequestTypeRig(options: RequestTypeRigOptions): Promise<RequestTypeRig> {
  let page: LayoutPageServer | undefined;
  let pcm: PcmReceiver | undefined;
  let testStack: TestStack;
  try {
    page = await startLayoutPageServer();
    pcm = await startPcmReceiver();
    testStack = await startTestStack({
      ...options,
      bots: REQUEST_TYPE_BOTS,
      config: { cpu_cost: REQUEST_TYPE_CPU_COST, ...options.config },
    });
  } catch (err) {
    await pcm?.close();
    await page?.close();
    throw err;
  }
  const receiver = pcm;
  const server = page;
  return {
    stack: testStack.stack,
    pageUrl: server.url,
    pcmUrl: receiver.url,
    websocketOutput: () => savedPcmOutput(receiver, testStack.outputDir),
    async close(isFailed) {
      await testStack.close(isFailed);
      await receiver.close();
      await server.close();
    },
  };
}

/** An output to check, with what its egress reported. */
export interface EgressOutput {
  outputPath: string;
  ended: EgressInfo;
  /** How long the egress was seen ACTIVE. */
  recordedSec: number;
}

/**
 * The test both doors run on each flow's output: it has the `want`ed media and lasts as long as
 * the egress reports (see `durationMismatch`). `output` is read inside the test, so a flow that
 * failed fails it with its own error.
 */
export function itWritesExpectedMedia(want: OutputExpectation, output: () => EgressOutput): void {
  it('writes the expected media, as long as it reports', async () => {
    const { outputPath, ended, recordedSec } = output();
    const probe = await probeOutput(outputPath);
    assert.deepEqual(outputMismatches(probe, want), [], outputPath);
    assert.equal(durationMismatch(probe.durationSec, ended, recordedSec), undefined);
  });
}
