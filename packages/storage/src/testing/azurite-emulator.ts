import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { AzureConfig } from '../storage-config.js';

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteEmulator {
  /** Blob service URL with the account: `http://127.0.0.1:<port>/devstoreaccount1`. */
  readonly endpoint: string;
  readonly port: number;
  /** PID of the running Azurite process (changes on restart). */
  readonly pid: number | undefined;
  /** Options for `container` on this emulator. */
  config(containerName: string): AzureConfig;
  /** A client for checking what was stored. */
  serviceClient(): BlobServiceClient;
  /**
   * Kills Azurite (SIGKILL, like a crash: uploads in flight fail). Azurite saves its metadata
   * lazily, so what it stored recently, containers included, may be gone after this.
   */
  stop(): Promise<void>;
  /** Starts Azurite again on the same port and data directory and re-creates the containers. */
  restart(): Promise<void>;
  /** Kills Azurite and deletes its data directory. */
  close(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** Containers created at start. @defaultValue ['egress-test'] */
  containers?: string[];
  /** @defaultValue 0 (any free port) */
  port?: number;
  /** Time allowed for Azurite to listen, in ms. @defaultValue 20000 */
  startTimeoutMs?: number;
}

function azuriteBlobEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
}

async function spawnAzurite(
  location: string,
  port: number,
  startTimeoutMs: number,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      azuriteBlobEntry(),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      location,
      '--silent',
      '--skipApiVersionCheck',
      '--loose',
      // Azurite sends ApplicationInsights telemetry unless told not to (environment.md).
      '--disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`azurite did not listen within ${startTimeoutMs} ms: ${out.slice(-500)}`));
    }, startTimeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited with ${code} before listening: ${out.slice(-500)}`));
    });
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Starts Azurite's blob service as a child process on 127.0.0.1 (always `--disableTelemetry`),
 * with a temporary data directory, and creates the containers.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteEmulator> {
  const location = await mkdtemp(join(tmpdir(), 'azurite-'));
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  let { child, port } = await spawnAzurite(location, options.port ?? 0, startTimeoutMs);
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`;
  const serviceClient = (): BlobServiceClient =>
    new BlobServiceClient(
      endpoint,
      new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY),
    );
  let running = true;
  const createContainers = async (): Promise<void> => {
    for (const name of options.containers ?? ['egress-test']) {
      await serviceClient().getContainerClient(name).createIfNotExists();
    }
  };
  try {
    await createContainers();
  } catch (err) {
    await killAndWait(child);
    await rm(location, { recursive: true, force: true });
    throw err;
  }
  const stop = async (): Promise<void> => {
    running = false;
    await killAndWait(child);
  };
  return {
    endpoint,
    port,
    get pid() {
      return running ? child.pid : undefined;
    },
    config: (containerName) => ({
      accountName: AZURITE_ACCOUNT_NAME,
      accountKey: AZURITE_ACCOUNT_KEY,
      containerName,
      endpoint,
    }),
    serviceClient,
    stop,
    restart: async () => {
      if (running) await killAndWait(child);
      ({ child } = await spawnAzurite(location, port, startTimeoutMs));
      running = true;
      await createContainers();
    },
    close: async () => {
      await stop();
      await rm(location, { recursive: true, force: true });
    },
  };
}
