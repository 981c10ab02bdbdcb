import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EgressStack,
  type EgressStackOptions,
  startEgressStack,
} from '../demo/egress-stack.js';
import { testRedisAddress } from '../test-env.js';

/** Options of {@link startFlowStack}: the stack's, less what every flow sets the same way. */
export type FlowStackOptions = Omit<EgressStackOptions, 'redisAddress' | 'outputDir'> & {
  /** Redis `host:port`. @defaultValue the test run's Redis (`EGRESS_TEST_REDIS_URL`) */
  redisAddress?: string;
};

/** An egress stack of one flow file, with its own output folder. */
export interface FlowStack {
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
 * The whole system for one flow file (see `startEgressStack`) with a temporary output folder,
 * the test run's Redis and quiet services (`warn`). On a failed start the folder is removed.
 */
export async function startFlowStack(options: FlowStackOptions): Promise<FlowStack> {
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
        const output = isFailed ? serviceOutput(stack) : '';
        await stack.close();
        await rm(outputDir, { recursive: true, force: true });
        if (output) process.stderr.write(`${output}\n`);
      })();
      return closing;
    },
  };
}

/** What the stack's services printed, one block per service. */
function serviceOutput(stack: EgressStack): string {
  return stack.apps.map((a) => `--- ${a.app}\n${a.output()}`).join('\n');
}
