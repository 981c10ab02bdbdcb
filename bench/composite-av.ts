// Lip sync of room composite recordings: the test SFU's sync bot (a 1 kHz beep and a white frame
// at the start of every second, rtc-node) in a room, alone or with silent camera bots, recorded
// by a room composite through the Twirp door of the whole system (bridge + composite worker, as
// the README's main job runs it) for a fixed time, then measured beep by beep (measureAvSync):
// beep spacing (does the audio keep its pace), the offset of every beep to its flash, and their
// median. The lip sync issue's targets: spacing 1 s ± 0.5 %, every pair ± 60 ms, median ± 40 ms.
// Run (WebRTC needs the network namespace; root):
//   scripts/netns-run node --import tsx bench/composite-av.ts [seconds per case, default 60] [only]
// only: run just the cases whose name contains it. Uses EGRESS_TEST_REDIS_URL when set, else
// starts its own redis-server; PulseAudio likewise (bench/pulse-daemon.ts). The services, the
// SFU and the bots share this machine's cores: the load average is printed with each row.
// bench/ is not a package, so the sources are imported by path.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type StackBot, startEgressStack } from '../e2e/src/demo/egress-stack.js';
import { RecordingClock, statusName, waitForEgress } from '../e2e/src/demo/egress-watch.js';
import { startRoomCompositeMp4 } from '../e2e/src/test-stack.js';
import { avSyncProblems, measureAvSync } from '../packages/media/src/testing/av-sync.js';
import { startTestRedis } from '../packages/protocol/src/testing/start-test-redis.js';
import { ensurePulse } from './pulse-daemon.js';

const { env: ENV } = process;
const recordSec = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 60;
const only = process.argv[3];

interface Case {
  name: string;
  layout: string;
  /** Silent camera bots beside the sync bot. */
  others: number;
}

const allCases: Case[] = [
  { name: 'sync bot alone, single-speaker', layout: 'single-speaker-dark', others: 0 },
  { name: 'sync bot + 1, grid', layout: 'grid-dark', others: 1 },
  { name: 'sync bot + 3, grid', layout: 'grid-dark', others: 3 },
  { name: 'sync bot + 1, speaker', layout: 'speaker-dark', others: 1 },
  { name: 'sync bot + 3, speaker', layout: 'speaker-dark', others: 3 },
];
const cases = allCases.filter((c) => !only || c.name.includes(only));

const ms = (sec: number) => Math.round(sec * 1000);
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
  for (const [index, c] of cases.entries()) {
    const outputDir = await mkdtemp(join(tmpdir(), 'bench-composite-av-'));
    const room = `bench-av-${index}`;
    const bots: StackBot[] = [
      { identity: 'sync', kind: 'audio-video', isSyncSignal: true, width: 1280, height: 720 },
      ...Array.from({ length: c.others }, (_, i) => ({
        identity: `camera-${i + 1}`,
        kind: 'video' as const,
        width: 640,
        height: 360,
      })),
    ];
    const stack = await startEgressStack({
      redisAddress: new URL(redis.url).host,
      // the test run's Redis has 32 databases; this one is private to the bench
      redisDb: ENV.EGRESS_TEST_REDIS_URL ? 30 : 0,
      outputDir,
      room,
      bots,
      workers: ['composite-worker'],
      logLevel: 'warn',
    });
    try {
      const started = await startRoomCompositeMp4(stack, room, 'av.mp4', c.layout);
      const clock = new RecordingClock();
      await waitForEgress(stack.client, started.egressId, {
        until: (i) => statusName(i.status) === 'EGRESS_ACTIVE',
        deadlineMs: 90_000,
        onPoll: (i) => clock.observe(i),
      });
      while (clock.seconds(started.egressId) < recordSec) await sleep(200);
      const load = loadavg()[0] ?? 0;
      await stack.client.stopEgress(started.egressId);
      const ended = await waitForEgress(stack.client, started.egressId, {
        until: (i) =>
          ['EGRESS_COMPLETE', 'EGRESS_FAILED', 'EGRESS_ABORTED', 'EGRESS_LIMIT_REACHED'].includes(
            statusName(i.status),
          ),
        deadlineMs: 90_000,
      });
      const location = ended.fileResults[0]?.location;
      if (!location) {
        rows.push(`| ${c.name} | ${statusName(ended.status)}: ${ended.error} | | | | | |`);
        continue;
      }
      const sync = await measureAvSync(location);
      const gapError = Math.max(0, ...sync.beepGapsSec.map((g) => Math.abs(g - 1)));
      const pairs = sync.pairOffsetsSec;
      const problems = avSyncProblems(sync, {
        minSignals: recordSec - 3,
        maxGapError: 0.005,
        maxPairOffsetSec: 0.06,
        maxMedianOffsetSec: 0.04,
      });
      rows.push(
        `| ${c.name} | ${sync.audioOnsetsSec.length} / ${sync.videoOnsetsSec.length} | ${ms(gapError)} | ${ms(Math.min(...pairs))}…${ms(Math.max(...pairs))} | ${ms(sync.medianOffsetSec)} | ${problems.length === 0 ? 'met' : `${problems.length} misses`} | ${load.toFixed(2)} |`,
      );
      if (ENV.BENCH_VERBOSE)
        process.stderr.write(`${c.name}: ${JSON.stringify({ ...sync, problems })}\n`);
    } finally {
      await stack.close();
      await rm(outputDir, { recursive: true, force: true });
    }
  }
} finally {
  await pulse.stop();
  await redis.close();
}
process.stdout.write(`${rows.join('\n')}\n`);
