// Consumers type-check this file from its source (the ./testing export): bring s3rver's types.
/// <reference path="./s3rver-module.d.ts" />

import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3Config } from '../storage-config.js';

/** The credentials s3rver accepts. */
export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET = 'S3RVER';

export interface S3rverEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  /** Path-style S3 options for `bucket` with s3rver's credentials and quick retries. */
  config(bucket: string): S3Config;
  /**
   * Resolves when a request matching `predicate` (method and URL path with query) arrives,
   * before its body is read: the moment to `stop()` for a mid-upload failure.
   */
  waitForRequest(predicate: (method: string, url: string) => boolean): Promise<void>;
  /** Stops listening and cuts open connections (uploads in flight fail); data stays. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops and deletes the data directory. */
  close(): Promise<void>;
}

export interface StartS3rverOptions {
  /** Buckets created at start. @defaultValue ['egress-test'] */
  buckets?: string[];
  /** @defaultValue 0 (any free port) */
  port?: number;
}

/** Starts s3rver in this process on 127.0.0.1 with a temporary data directory. */
export async function startS3rver(options: StartS3rverOptions = {}): Promise<S3rverEmulator> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const buckets = (options.buckets ?? ['egress-test']).map((name) => ({ name }));
  let server: S3rver | undefined;
  let port = options.port ?? 0;
  const waiters = new Set<{ predicate: (m: string, u: string) => boolean; resolve: () => void }>();

  const listen = async (): Promise<void> => {
    const s = new S3rver({
      address: '127.0.0.1',
      port,
      directory,
      silent: true,
      vhostBuckets: false,
      configureBuckets: buckets,
    });
    const address = await s.run();
    s.httpServer?.on('request', (req: IncomingMessage) => {
      for (const w of waiters) {
        if (w.predicate(req.method ?? '', req.url ?? '')) {
          waiters.delete(w);
          w.resolve();
        }
      }
    });
    port = address.port;
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.httpServer?.closeAllConnections();
    await s.close();
  };

  await listen();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    config: (bucket) => ({
      accessKey: S3RVER_ACCESS_KEY,
      secret: S3RVER_SECRET,
      region: 'us-east-1',
      endpoint,
      bucket,
      forcePathStyle: true,
      maxRetries: 5,
      minRetryDelayMs: 50,
      maxRetryDelayMs: 500,
    }),
    waitForRequest: (predicate) =>
      new Promise<void>((resolve) => {
        waiters.add({ predicate, resolve });
      }),
    stop,
    restart: listen,
    close: async () => {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
