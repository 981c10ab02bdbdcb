import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * Writes `sizeBytes` of random data to `path` in 1 MiB chunks and returns its MD5 (hex), for
 * checking what a store received.
 */
export async function writeRandomFile(path: string, sizeBytes: number): Promise<string> {
  const hash = createHash('md5');
  const file = await open(path, 'w');
  try {
    const chunk = 1024 * 1024;
    for (let written = 0; written < sizeBytes; written += chunk) {
      const buf = randomBytes(Math.min(chunk, sizeBytes - written));
      hash.update(buf);
      await file.write(buf);
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** MD5 (hex) of a stream or buffer's bytes. */
export async function md5Of(data: AsyncIterable<Uint8Array> | Uint8Array): Promise<string> {
  const hash = createHash('md5');
  if (data instanceof Uint8Array) hash.update(data);
  else for await (const chunk of data) hash.update(chunk);
  return hash.digest('hex');
}
