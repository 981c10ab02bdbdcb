import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptionsPreset,
} from 'livekit-server-sdk';
import {
  type EgressStack,
  type EgressStackOptions,
  startEgressStack,
} from './demo/egress-stack.js';
import { isEnded, RecordingClock, statusName, waitForEgress } from './demo/egress-watch.js';
import { testRedisAddress } from './test-env.js';

/** Options of {@link startTestStack}: the stack's, less what every test sets the same way. */
export type TestStackOptions = Omit<EgressStackOptions, 'redisAddress' | 'outputDir'> & {
  /** Redis `host:port`. @defaultValue the test run's Redis (`EGRESS_TEST_REDIS_URL`) */
  redisAddress?: string;
};

/** An egress stack of one test file, with its own output folder. */
export interface TestStack {
  stack: EgressStack;
  /** The workers' `local_output_dir`, a fresh temporary folder. */
  outputDir: string;
  /**
   * Stops everything and removes the output folder; with `isFailed`, first writes what the
   * services printed to stderr. Idempotent.
   */
  close(isFailed: boolean): Promise<void>;
}

/**
 * The whole system for one test file (see `startEgressStack`) with a temporary output folder
 * named after the room, the test run's Redis and quiet services (`warn`). On a failed start
 * the folder is removed.
 */
export async function startTestStack(options: TestStackOptions): Promise<TestStack> {
  const outputDir = await mkdtemp(join(tmpdir(), `${options.room}-`));
  let stack: EgressStack;
  try {
    stack = await startEgressStack({
      logLevel: 'warn',
      ...options,
      redisAddress: options.redisAddress ?? testRedisAddress() ?? '',
      outputDir,
    });
  } catch (err) {
    await rm(outputDir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    stack,
    outputDir,
    close(isFailed) {
      closing ??= (async () => {
        const output = isFailed ? stackOutput(stack) : '';
        await stack.close();
        await rm(outputDir, { recursive: true, force: true });
        if (output) process.stderr.write(`${output}\n`);
      })();
      return closing;
    },
  };
}

/** What the stack's services printed, one block per service, for a failing test's output. */
export function stackOutput(stack: EgressStack | undefined): string {
  return stack?.apps.map((a) => `--- ${a.app} (pid ${a.pid})\n${a.output()}`).join('\n') ?? '';
}

/** Starts a room composite of `room` to one MP4 file at `filepath`: 720p 30 fps H.264. */
export function startRoomCompositeMp4(
  stack: EgressStack,
  room: string,
  filepath: string,
  layout = 'grid-dark',
): Promise<EgressInfo> {
  return stack.client.startRoomCompositeEgress(
    room,
    { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath }) },
    { layout, encodingOptions: EncodingOptionsPreset.H264_720P_30 },
  );
}

/**
 * Records a room composite of `room` to one MP4 (`startRoomCompositeMp4`): waits for ACTIVE,
 * records `seconds` by the egress's own clock, stops it and waits for its final status.
 */
export async function recordRoomCompositeMp4(
  stack: EgressStack,
  room: string,
  options: { filepath: string; seconds: number; layout?: string },
): Promise<{ ended: EgressInfo; recordedSec: number }> {
  const started = await startRoomCompositeMp4(stack, room, options.filepath, options.layout);
  const clock = new RecordingClock();
  await waitForEgress(stack.client, started.egressId, {
    until: (i) => i.status === EgressStatus.EGRESS_ACTIVE,
    deadlineMs: 90_000,
    onPoll: (i) => clock.observe(i),
  });
  while (clock.seconds(started.egressId) < options.seconds) await sleep(100);
  const recordedSec = clock.seconds(started.egressId);
  await stack.client.stopEgress(started.egressId);
  const ended = await waitForEgress(stack.client, started.egressId, {
    until: isEnded,
    deadlineMs: 90_000,
  });
  return { ended, recordedSec };
}

/** Asserts that List by `room` shows the egress `egressId` as EGRESS_COMPLETE. */
export async function assertListedComplete(
  stack: EgressStack | undefined,
  room: string,
  egressId: string,
): Promise<void> {
  assert.ok(stack);
  const listed = await stack.client.listEgress({ roomName: room });
  const mine = listed.find((i) => i.egressId === egressId);
  assert.ok(mine, `egress ${egressId} not in List by room`);
  assert.equal(statusName(mine.status), 'EGRESS_COMPLETE');
}
