// StartEgress requests per second and latency (request → job enqueued, request → answer)
// through each door of the bridge. Run: node --import tsx bench/bridge.ts [concurrency] [requests]
// Uses EGRESS_TEST_REDIS_URL when set, else starts its own redis-server; the bridge runs in this
// process (Twirp on 127.0.0.1, port 0) and no worker takes the jobs.

import { startTestRedis } from '@egress/protocol/testing';
import { type DoorBenchRow, runDoorBench } from './bridge/door-bench.js';

const [concurrencyArg, requestsArg] = process.argv.slice(2).map(Number);
const concurrency = concurrencyArg && concurrencyArg > 0 ? concurrencyArg : 16;
const requests = requestsArg && requestsArg > 0 ? requestsArg : 1000;

function printTable(rows: readonly DoorBenchRow[]): void {
  const header = [
    'door',
    'requests',
    'conc.',
    'req/s',
    'enq p50 ms',
    'enq p99 ms',
    'ans p50 ms',
    'ans p99 ms',
    'cpu ms/req',
    'redis cmd/req',
  ];
  const lines = rows.map((r) => [
    r.door,
    String(r.requests),
    String(r.concurrency),
    r.perSecond.toFixed(0),
    r.enqueueP50Ms.toFixed(1),
    r.enqueueP99Ms.toFixed(1),
    r.answerP50Ms.toFixed(1),
    r.answerP99Ms.toFixed(1),
    r.cpuMsPerRequest.toFixed(2),
    r.redisCommandsPerRequest.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  // The first column is left-aligned, the figures right-aligned (Markdown table).
  const cell = (c: string, i: number) =>
    i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0);
  const rule = (w: number, i: number) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`);
  console.log(`| ${header.map(cell).join(' | ')} |`);
  console.log(`|${widths.map(rule).join('|')}|`);
  for (const line of lines) console.log(`| ${line.map(cell).join(' | ')} |`);
}

async function main(): Promise<void> {
  // The test runner's Redis (scripts/test) when set; the bench is not a turbo task.
  const { EGRESS_TEST_REDIS_URL: url } = process.env;
  const redis = await startTestRedis({ url });
  try {
    const rows = await runDoorBench({ redisUrl: redis.url, concurrency, requests });
    printTable(rows);
  } finally {
    await redis.close();
  }
}

await main();
