import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Logger, mintEgressToken, newEgressId } from '@egress/protocol';
import { type Bot, startBot, type TestSfu } from '@egress/test-sfu';
import { channelsByRoutes } from '../audio/mix-channels.js';
import type { AvEgressOptions } from '../av-egress.js';
import { runParticipantEgress } from '../participant-egress.js';
import { runTrackCompositeEgress } from '../track-composite-egress.js';
import type { TrackEgressResult } from '../track-egress.js';
import { mp4Outputs } from './mp4-outputs.js';

/** Options of {@link recordSyncBot}. */
export interface RecordSyncBotOptions {
  sfu: TestSfu;
  apiKey: string;
  apiSecret: string;
  /**
   * Which SDK egress records the bot; `participant-mixed`: a participant egress whose audio is
   * the room's, mixed (a v2 media source with `capture_all`).
   */
  kind: 'track-composite' | 'participant' | 'participant-mixed';
  /** How long after ACTIVE the bot leaves (which ends the egress), milliseconds. */
  recordMs: number;
  /** Where the MP4 goes. */
  dir: string;
  logger: Logger;
  /** Called with the bot once it runs, so the caller can make it leave in its cleanup. */
  onBot?: (bot: Bot) => void;
}

/**
 * Records the test SFU's sync bot (a beep and a white frame at the start of every second) in a
 * fresh room with a track composite or participant egress to a 320x240 MP4 (H.264 + AAC), for
 * A/V offset measurements (`measureAvSync`).
 */
export async function recordSyncBot(
  options: RecordSyncBotOptions,
): Promise<{ result: TrackEgressResult; localPath: string }> {
  const { sfu, apiKey, apiSecret } = options;
  const room = `sync-${randomUUID()}`;
  const bot = await startBot({
    url: sfu.url,
    apiKey,
    apiSecret,
    room,
    identity: 'sync-bot',
    kind: 'audio-video',
    isSyncSignal: true,
  });
  options.onBot?.(bot);
  const egressId = newEgressId();
  const localPath = join(options.dir, `${egressId}.mp4`);
  const common: AvEgressOptions = {
    wsUrl: sfu.url,
    token: await mintEgressToken({ apiKey, apiSecret, egressId, roomName: room }),
    outputs: mp4Outputs(localPath, { width: 320, height: 240, fps: 30, bitrateKbps: 1000 }),
    logger: options.logger,
    video: { width: 320, height: 240, fps: 30 },
    audio: true,
    onActive: () => setTimeout(() => void bot.leave(), options.recordMs),
  };
  const mixed = { audioChannelOf: channelsByRoutes({ captureAll: true, routes: [] }) };
  const result =
    options.kind !== 'track-composite'
      ? await runParticipantEgress({
          ...common,
          ...(options.kind === 'participant-mixed' ? mixed : {}),
          identity: 'sync-bot',
          screenShare: false,
        })
      : await runTrackCompositeEgress({
          ...common,
          audioTrackId: bot.publications.audio?.sid ?? '',
          videoTrackId: bot.publications.video?.sid ?? '',
        });
  await bot.leave();
  return { result, localPath };
}
