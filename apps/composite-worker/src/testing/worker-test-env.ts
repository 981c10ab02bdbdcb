import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger, loadConfig, QUEUE_NAMES } from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  type CompositeWorker,
  type CompositeWorkerOptions,
  startCompositeWorker,
} from '../composite-worker.js';

/** The logger of a test file: silent unless `LOG_LEVEL` asks for more. */
export function testLogger(service: string): Logger {
  return createLogger({ service, level: process.env.LOG_LEVEL ?? 'silent' });
}

/** What every composite worker test file shares: the test Redis, a client and a temp folder. */
export interface WorkerTestEnv {
  redis: TestRedis;
  /** A fresh temp folder; outputs and tmp dirs of the workers go below it. */
  root: string;
  /** A client on the test Redis (BullMQ queues and control messages use it). */
  client: Redis;
  /** Disconnects, stops the Redis this env started and removes {@link root}. */
  close(): Promise<void>;
}

/**
 * Connects to the test Redis (`EGRESS_TEST_REDIS_URL`, or a private one) and makes a temp folder
 * named `<tmpdir>/<tmpPrefix>XXXXXX`.
 */
export async function startWorkerTestEnv(tmpPrefix: string): Promise<WorkerTestEnv> {
  const redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
  const root = await mkdtemp(join(tmpdir(), tmpPrefix));
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  return {
    redis,
    root,
    client,
    close: async () => {
      client.disconnect();
      await redis.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A composite queue under a unique BullMQ prefix: the test Redis is shared. */
export interface TestQueue {
  /** The prefix a worker must take jobs under. */
  prefix: string;
  queue: Queue;
  /** Removes the queue's jobs and closes it. */
  close(): Promise<void>;
}

/** Opens a {@link TestQueue} on `client`. */
export function openTestQueue(client: Redis): TestQueue {
  const prefix = `test-${randomUUID()}`;
  const queue = new Queue(QUEUE_NAMES.composite, { connection: client, prefix });
  return {
    prefix,
    queue,
    close: async () => {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    },
  };
}

/** Options of {@link startTestWorker}: the worker's own, less what the env decides. */
export interface TestWorkerOptions
  extends Omit<CompositeWorkerOptions, 'config' | 'prefix' | 'tmpRoot'> {
  /** The config YAML (see `testWorkerConfigYaml`). */
  yaml: string;
  /** The folder below the env's root where its egresses get their tmp dirs. */
  tmpName: string;
}

/** An in-process composite worker on a queue of its own. */
export interface TestWorker {
  worker: CompositeWorker;
  /** The composite queue under the worker's unique BullMQ prefix. */
  queue: Queue;
  /** Drains the worker, then removes and closes its queue. */
  close(): Promise<void>;
}

/**
 * Starts a composite worker on a unique BullMQ prefix (tests share one Redis), on GStreamer test
 * sources and 16 cores unless `mediaSource` and `cpuTotal` say otherwise.
 */
export async function startTestWorker(
  env: WorkerTestEnv,
  options: TestWorkerOptions,
): Promise<TestWorker> {
  const { yaml, tmpName, ...workerOptions } = options;
  const { prefix, queue, close: closeQueue } = openTestQueue(env.client);
  const worker = await startCompositeWorker({
    config: loadConfig({ EGRESS_CONFIG_BODY: yaml }, { onWarning: () => undefined }),
    prefix,
    mediaSource: 'test',
    tmpRoot: join(env.root, tmpName),
    cpuTotal: 16,
    ...workerOptions,
  });
  return {
    worker,
    queue,
    close: async () => {
      await worker.close();
      await closeQueue();
    },
  };
}

/** Options of {@link spawnTestWorkerProcess}. */
export interface TestWorkerProcessOptions {
  /** The config YAML. */
  yaml: string;
  /** The BullMQ prefix it takes jobs under. */
  prefix: string;
  /** Where its egresses get their tmp dirs. */
  tmpRoot: string;
  /** 'web' for the browser capture. @defaultValue GStreamer test sources */
  mediaSource?: 'web';
  /** Resolve once it prints "ready" (stdout piped), or at once (stdout ignored). */
  awaitReady: boolean;
}

/** How long a spawned worker may take to print "ready". */
const READY_MS = 60_000;

/**
 * Spawns `test-worker-process` (a composite worker in its own process, for signal and crash
 * tests); with `awaitReady` it resolves once the worker takes jobs.
 */
export async function spawnTestWorkerProcess(
  options: TestWorkerProcessOptions,
): Promise<ChildProcess> {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(
    new URL(`./test-worker-process.${isTs ? 'ts' : 'js'}`, import.meta.url),
  );
  const child = spawn(process.execPath, [...(isTs ? ['--import', 'tsx'] : []), entry], {
    env: {
      ...process.env,
      EGRESS_CONFIG_BODY: options.yaml,
      EGRESS_TEST_PREFIX: options.prefix,
      EGRESS_TEST_TMP: options.tmpRoot,
      ...(options.mediaSource ? { EGRESS_TEST_MEDIA_SOURCE: options.mediaSource } : {}),
    },
    stdio: ['ignore', options.awaitReady ? 'pipe' : 'ignore', 'inherit'],
  });
  if (!options.awaitReady) return child;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + READY_MS;
  while (!output.includes('ready ') && Date.now() < deadline && child.exitCode === null) {
    await sleep(100);
  }
  if (!output.includes('ready ')) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw new Error(`worker not ready: ${output}`);
  }
  return child;
}
