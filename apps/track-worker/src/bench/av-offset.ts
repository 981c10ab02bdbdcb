/**
 * A/V offset and duration of real SDK egress recordings of the test SFU's sync bot (a beep and a
 * white frame at the start of every second): each run records a fresh room with the track
 * composite and then the participant egress for `seconds`, and measures the file with ffmpeg
 * (beep onsets against flash frames, `measureAvOffset`) and ffprobe (duration against the wall
 * clock between ACTIVE and the end).
 *
 *   scripts/netns-run node --import tsx apps/track-worker/src/bench/av-offset.ts [runs] [seconds]
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, mintEgressToken, newEgressId } from '@egress/protocol';
import { startBot, startTestSfu } from '@egress/test-sfu';
import { dispose } from '@livekit/rtc-node';
import type { AvEgressOptions } from '../av-egress.js';
import { runParticipantEgress } from '../participant-egress.js';
import { measureAvOffset } from '../testing/measure-av-offset.js';
import { mp4Outputs } from '../testing/mp4-outputs.js';
import { probeVideoFile } from '../testing/probe-video-file.js';
import { runTrackCompositeEgress } from '../track-composite-egress.js';

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
    const room = `av-${randomUUID()}`;
    const bot = await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'sync',
      kind: 'audio-video',
      isSyncSignal: true,
    });
    const egressId = newEgressId();
    const localPath = join(dir, `${egressId}.mp4`);
    const common: AvEgressOptions = {
      wsUrl: sfu.url,
      token: await mintEgressToken({ apiKey, apiSecret, egressId, roomName: room }),
      outputs: mp4Outputs(localPath, { width: 320, height: 240, fps: 30, bitrateKbps: 1000 }),
      logger,
      video: { width: 320, height: 240, fps: 30 },
      audio: true,
      onActive: () => {
        setTimeout(() => void bot.leave(), seconds * 1000);
      },
    };
    const result =
      kind === 'participant'
        ? await runParticipantEgress({ ...common, identity: 'sync', screenShare: false })
        : await runTrackCompositeEgress({
            ...common,
            audioTrackId: bot.publications.audio?.sid ?? '',
            videoTrackId: bot.publications.video?.sid ?? '',
          });
    await bot.leave();
    if (result.status !== 'complete') {
      const why = result.status === 'failed' ? result.error.message : result.message;
      rows.push(`| ${run} | ${kind} | ${why} | | | |`);
      continue;
    }
    // The recording's own wall clock: ACTIVE until the end was noticed.
    const wallSec = (result.endedAtMs - result.startedAtMs) / 1000;
    const offset = await measureAvOffset(localPath);
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
