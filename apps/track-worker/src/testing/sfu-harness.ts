import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger, mintEgressToken, newEgressId } from '@egress/protocol';
import { type Bot, type BotOptions, startBot, startTestSfu, type TestSfu } from '@egress/test-sfu';

const apiKey = 'track-sfu-key';
const apiSecret = 'track-sfu-secret-track-sfu-secret-track';

/** The test SFU, its bots and a scratch folder for egresses run in the test process. */
export interface SfuHarness {
  readonly sfu: TestSfu;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** A scratch folder, removed on close. */
  readonly dir: string;
  /** Silent unless `LOG_LEVEL` says otherwise. */
  readonly logger: Logger;
  /** Starts a bot in a room (kept until close). */
  bot(options: Omit<BotOptions, 'url' | 'apiKey' | 'apiSecret'>): Promise<Bot>;
  /** Keeps a bot started elsewhere, to leave on close. */
  keep(bot: Bot): void;
  /** An egress token for `room`. */
  token(room: string, egressId?: string): Promise<string>;
  /** Leaves every bot, closes the SFU and removes the folder. */
  close(): Promise<void>;
}

/** Starts the test SFU and a scratch folder named after `name`. */
export async function startSfuHarness(name = 'track-sfu'): Promise<SfuHarness> {
  const logger = createLogger({
    service: 'track-worker-test',
    level: process.env.LOG_LEVEL ?? 'silent',
  });
  const sfu = await startTestSfu({ apiKey, apiSecret });
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  const bots: Bot[] = [];
  return {
    sfu,
    apiKey,
    apiSecret,
    dir,
    logger,
    async bot(options) {
      const bot = await startBot({ url: sfu.url, apiKey, apiSecret, ...options });
      bots.push(bot);
      return bot;
    },
    keep(bot) {
      bots.push(bot);
    },
    token(room, egressId = newEgressId()) {
      return mintEgressToken({ apiKey, apiSecret, egressId, roomName: room });
    },
    async close() {
      for (const bot of bots) await bot.leave();
      await sfu.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
