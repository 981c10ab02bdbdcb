// Lip sync of room composite recordings: the test SFU's sync bot (a 1 kHz beep and a white frame
// at the start of every second, rtc-node) in a room, alone or with silent camera bots, or
// livekit-client in headless Chromium sending the same signal, recorded by a room composite through the Twirp door of the whole system (bridge + composite worker, as
// the README's main job runs it) for a fixed time, then measured beep by beep (measureAvSync):
// beep spacing (does the audio keep its pace), the offset of every beep to its flash, and their
// median. The lip sync issue's targets: spacing 1 s ± 0.5 %, every pair ± 60 ms, median ± 40 ms.
// Run (WebRTC needs the network namespace; root):
//   scripts/netns-run node --import tsx bench/composite-av.ts [seconds per case, default 60] [only]
// only: run just the cases whose name contains it (or one of its comma-separated parts). Uses EGRESS_TEST_REDIS_URL when set, else
// starts its own redis-server; PulseAudio likewise (bench/pulse-daemon.ts). The services, the
// SFU and the bots share this machine's cores: the load average is printed with each row.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEMO_API_KEY,
  DEMO_API_SECRET,
  recordRoomCompositeMp4,
  type StackBot,
  startEgressStack,
  statusName,
} from '@egress/e2e';
import { avSyncProblems, measureAvSync } from '@egress/media/testing';
import { startTestRedis } from '@egress/protocol/testing';
import { createTestToken, startChromiumSyncPublisher } from '@egress/test-sfu';
import { ensurePulse } from './pulse-daemon.js';

const { env: ENV } = process;
const recordSec = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 60;
const only = process.argv[3];
// Each case runs in a child of its own (`--case <index>`): rtc-node cannot start again in a
// process that disposed of it, which closing a stack does.
const caseFlag = process.argv.indexOf('--case');
const childCase = caseFlag > 0 ? Number(process.argv[caseFlag + 1]) : undefined;

interface Case {
  name: string;
  layout: string;
  /** Silent camera bots beside the sync bot. */
  others: number;
  /** Who sends the sync signal. @defaultValue 'rtc-node' */
  sender?: 'rtc-node' | 'chromium';
}

const allCases: Case[] = [
  { name: 'sync bot alone, single-speaker', layout: 'single-speaker-dark', others: 0 },
  { name: 'sync bot + 1, grid', layout: 'grid-dark', others: 1 },
  { name: 'sync bot + 3, grid', layout: 'grid-dark', others: 3 },
  { name: 'sync bot + 1, speaker', layout: 'speaker-dark', others: 1 },
  { name: 'sync bot + 3, speaker', layout: 'speaker-dark', others: 3 },
  {
    name: 'livekit-client in Chromium, single-speaker',
    layout: 'single-speaker-dark',
    others: 0,
    sender: 'chromium',
  },
];

const ms = (sec: number) => Math.round(sec * 1000);

/** Records one case with its own stack and returns its table row. */
async function runCase(c: Case, index: number, redisUrl: string, redisDb: number): Promise<string> {
  const outputDir = await mkdtemp(join(tmpdir(), 'bench-composite-av-'));
  const room = `bench-av-${index}`;
  const isBrowser = c.sender === 'chromium';
  const bots: StackBot[] = [
    ...(isBrowser
      ? []
      : [
          {
            identity: 'sync',
            kind: 'audio-video' as const,
            isSyncSignal: true,
            width: 1280,
            height: 720,
          },
        ]),
    ...Array.from({ length: c.others }, (_, i) => ({
      identity: `camera-${i + 1}`,
      kind: 'video' as const,
      width: 640,
      height: 360,
    })),
  ];
  const stack = await startEgressStack({
    redisAddress: new URL(redisUrl).host,
    redisDb,
    outputDir,
    room,
    bots,
    workers: ['composite-worker'],
    logLevel: 'warn',
  });
  const publisher = isBrowser
    ? await startChromiumSyncPublisher({
        url: stack.sfu.url,
        token: await createTestToken({
          apiKey: DEMO_API_KEY,
          apiSecret: DEMO_API_SECRET,
          room,
          identity: 'browser-sync',
        }),
      })
    : undefined;
  try {
    const { ended } = await recordRoomCompositeMp4(stack, room, {
      filepath: 'av.mp4',
      seconds: recordSec,
      layout: c.layout,
    });
    const load = loadavg()[0] ?? 0;
    const location = ended.fileResults[0]?.location;
    if (!location) return `| ${c.name} | ${statusName(ended.status)}: ${ended.error} | | | | | |`;
    const sync = await measureAvSync(location);
    const gapError = Math.max(0, ...sync.beepGapsSec.map((g) => Math.abs(g - 1)));
    const pairs = sync.pairOffsetsSec;
    const problems = avSyncProblems(sync, {
      minSignals: recordSec - 3,
      maxGapError: 0.005,
      maxPairOffsetSec: 0.06,
      maxMedianOffsetSec: 0.04,
    });
    if (ENV.BENCH_VERBOSE) {
      process.stderr.write(`${c.name}: ${JSON.stringify({ ...sync, problems })}\n`);
    }
    const verdict = problems.length === 0 ? 'met' : `${problems.length} misses`;
    return `| ${c.name} | ${sync.audioOnsetsSec.length} / ${sync.videoOnsetsSec.length} | ${ms(gapError)} | ${ms(Math.min(...pairs))}…${ms(Math.max(...pairs))} | ${ms(sync.medianOffsetSec)} | ${verdict} | ${load.toFixed(2)} |`;
  } finally {
    await publisher?.close();
    await stack.close();
    await rm(outputDir, { recursive: true, force: true });
  }
}

const ROW_PREFIX = 'ROW ';

if (childCase !== undefined) {
  const c = allCases[childCase];
  if (!c) throw new Error(`no case ${childCase}`);
  const row = await runCase(c, childCase, ENV.BENCH_REDIS_URL ?? '', Number(ENV.BENCH_REDIS_DB));
  process.stdout.write(`${ROW_PREFIX}${row}\n`);
  process.exit(0);
}

const redis = await startTestRedis(
  ENV.EGRESS_TEST_REDIS_URL ? { url: ENV.EGRESS_TEST_REDIS_URL } : {},
);
const pulse = await ensurePulse();
const rows = [
  `${recordSec} s per case. Targets: spacing ± 5 ms, pairs ± 60 ms, median ± 40 ms.`,
  '| case | beeps / flashes | spacing max error (ms) | pairs min…max (ms) | median (ms) | targets | load (1 min) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
try {
  for (const [index, c] of allCases.entries()) {
    if (only && !only.split(',').some((part) => c.name.includes(part))) continue;
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        String(recordSec),
        '',
        '--case',
        String(index),
      ],
      {
        // the test run's Redis has 32 databases and 30 is the bench's; a private one has 16
        env: {
          ...ENV,
          BENCH_REDIS_URL: redis.url,
          BENCH_REDIS_DB: ENV.EGRESS_TEST_REDIS_URL ? '30' : '0',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      },
    );
    const row = child.stdout.split('\n').find((line) => line.startsWith(ROW_PREFIX));
    rows.push(
      row
        ? row.slice(ROW_PREFIX.length)
        : `| ${c.name} | failed (exit ${child.status}) | | | | | |`,
    );
  }
} finally {
  await pulse.stop();
  await redis.close();
}
process.stdout.write(`${rows.join('\n')}\n`);
