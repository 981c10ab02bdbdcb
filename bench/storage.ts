// Upload throughput per storage backend against the local emulators, next to the speed of
// writing the same bytes to local disk. Run: node --import tsx bench/storage.ts [MiB ...]
// s3rver and the GCS fake run inside this process (they share its CPU); Azurite is a child.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createUploader, type StorageConfig } from '@egress/storage';
import {
  captureLogger,
  startAzurite,
  startGcsFakeServer,
  startS3rver,
} from '@egress/storage/testing';

const MIB = 1024 * 1024;
// Sizes in MiB may be given as arguments: node --import tsx bench/storage.ts 10 50
const args = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const SIZES_MIB = args.length > 0 ? args : [10, 200];
const BUCKET = 'egress-bench';

async function writeWithFsync(path: string, data: Buffer): Promise<number> {
  const start = performance.now();
  const file = await open(path, 'w');
  try {
    for (let off = 0; off < data.length; off += 8 * MIB) {
      await file.write(data, off, Math.min(8 * MIB, data.length - off));
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return (performance.now() - start) / 1000;
}

interface Row {
  backend: string;
  sizeMiB: number;
  seconds: number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-storage-'));
  const { logger } = captureLogger();
  const s3 = await startS3rver({ buckets: [BUCKET] });
  const azurite = await startAzurite({ containers: [BUCKET] });
  const gcs = await startGcsFakeServer({ buckets: [BUCKET] });
  const backends: [string, StorageConfig][] = [
    ['S3 (s3rver)', { s3: s3.config(BUCKET) }],
    ['Azure (Azurite)', { azure: azurite.config(BUCKET) }],
    ['GCS (in-repo fake)', { gcp: gcs.config(BUCKET) }],
    ['Local (copy)', {}],
  ];
  const rows: Row[] = [];
  try {
    const warm = join(dir, 'warm.bin');
    await writeWithFsync(warm, randomBytes(MIB));
    for (const [, config] of backends) {
      const u = createUploader(config, { logger, localDirectory: join(dir, 'local-store') });
      await u.upload({ localPath: warm, storagePath: 'warm.bin' });
    }
    for (const sizeMiB of SIZES_MIB) {
      const data = randomBytes(sizeMiB * MIB);
      const source = join(dir, `source-${sizeMiB}.bin`);
      rows.push({
        backend: 'local disk write + fsync',
        sizeMiB,
        seconds: await writeWithFsync(source, data),
      });
      for (const [name, config] of backends) {
        const u = createUploader(config, { logger, localDirectory: join(dir, 'local-store') });
        const start = performance.now();
        await u.upload({ localPath: source, storagePath: `bench/${sizeMiB}.bin` });
        rows.push({ backend: name, sizeMiB, seconds: (performance.now() - start) / 1000 });
      }
      await rm(source);
    }
  } finally {
    await Promise.allSettled([s3.close(), azurite.close(), gcs.close()]);
    await rm(dir, { recursive: true, force: true });
  }

  const header = ['backend', 'size MiB', 'seconds', 'MiB/s', 'vs disk'];
  const lines = rows.map((r) => {
    const disk = rows.find((d) => d.sizeMiB === r.sizeMiB && d.backend.startsWith('local disk'));
    const rate = r.sizeMiB / r.seconds;
    const diskRate = disk ? disk.sizeMiB / disk.seconds : rate;
    return [
      r.backend,
      String(r.sizeMiB),
      r.seconds.toFixed(2),
      rate.toFixed(1),
      `${((rate / diskRate) * 100).toFixed(0)}%`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log(fmt(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const l of lines) console.log(fmt(l));
  console.log(
    'Local (copy) does not fsync, so it can beat the disk write; s3rver and the GCS fake share this process.',
  );
}

await main();
