/**
 * A/V offset and duration of real SDK egress recordings of the test SFU's sync bot (a beep and a
 * white frame at the start of every second): each run records a fresh room with the track
 * composite and then the participant egress for `seconds`, and measures the file with ffmpeg
 * (beep onsets against flash frames, `measureAvSync`) and ffprobe (duration against the wall
 * clock between ACTIVE and the end).
 *
 *   scripts/netns-run node --import tsx bench/av-offset.ts [runs] [seconds]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureAvSync } from '@egress/media/testing';
import { createLogger } from '@egress/protocol';
import { startTestSfu } from '@egress/test-sfu';
import { probeVideoFile, recordSyncBot } from '@egress/track-worker/testing';
import { dispose } from '@livekit/rtc-node';

const apiKey = 'av-offset-key';
const apiSecret = 'av-offset-secret-av-offset-secret-000000';
const runs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 8);
const logger = createLogger({ service: 'av-offset', level: process.env.LOG_LEVEL ?? 'silent' });

const sfu = await startTestSfu({ apiKey, apiSecret });
const dir = await mkdtemp(join(tmpdir(), 'av-offset-'));
const rows = ['| run | egress | A/V offset median (ms) | file s | wall s | duration error |'];
rows.push('| --- | --- | --- | --- | --- | --- |');
for (let run = 1; run <= runs; run++) {
  for (const kind of ['track-composite', 'participant'] as const) {
    const { result, localPath } = await recordSyncBot({
      sfu,
      apiKey,
      apiSecret,
      kind,
      recordMs: seconds * 1000,
      dir,
      logger,
    });
    if (result.status !== 'complete') {
      const why = result.status === 'failed' ? result.error.message : result.message;
      rows.push(`| ${run} | ${kind} | ${why} | | | |`);
      continue;
    }
    // The recording's own wall clock: ACTIVE until the end was noticed.
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    const offset = await measureAvSync(localPath);
    const video = await probeVideoFile(localPath);
    const errorPct = ((video.durationSec - wallSec) / wallSec) * 100;
    rows.push(
      `| ${run} | ${kind} | ${Math.round(offset.medianOffsetSec * 1000)} | ${video.durationSec.toFixed(2)} | ${wallSec.toFixed(2)} | ${errorPct.toFixed(2)} % |`,
    );
  }
}
await sfu.close();
await dispose();
await rm(dir, { recursive: true, force: true });
process.stdout.write(`${rows.join('\n')}\n`);
