import { after, before } from 'node:test';
import { dispose } from '@livekit/rtc-node';
import { type Bot, type BotOptions, startBot } from '../bots/start-bot.js';
import { type ChromiumSubscriber, openChromiumSubscriber } from '../browser/chromium-subscriber.js';
import { createTestToken, RtcNodeProbe, type TestTokenOptions } from '../rtc-node-probe.js';
import { startTestSfu, type TestSfu } from '../test-sfu.js';

/** What {@link SfuSuite.join} may ask for on top of a plain subscriber. */
export interface SuiteJoinOptions {
  /** @defaultValue true */
  autoSubscribe?: boolean;
  /** Joins as an egress recorder does: hidden, recorder, no publishing, kind `egress`. */
  hidden?: boolean;
}

/** A bot of the suite: the SFU and its key are the suite's, the room and identity the caller's. */
export type SuiteBotOptions = Omit<BotOptions, 'url' | 'token' | 'apiKey' | 'apiSecret'> & {
  room: string;
  identity: string;
};

/**
 * The test SFU of one `describe`, with every participant its tests start: each is stopped by
 * the suite's `after` hook (browsers, bots, rtc-node probes, then the SFU and rtc-node itself),
 * so a failing test leaves nothing running.
 */
export interface SfuSuite {
  readonly apiKey: string;
  readonly apiSecret: string;
  /**
   * The running SFU.
   * @throws Error before the suite's `before` hook has started it
   */
  readonly sfu: TestSfu;
  /** A join token for `room`, signed with the suite's key. */
  token(
    room: string,
    identity: string,
    extra?: Pick<TestTokenOptions, 'grants' | 'kind'>,
  ): Promise<string>;
  /** An rtc-node participant connected to `room`. */
  join(room: string, identity: string, options?: SuiteJoinOptions): Promise<RtcNodeProbe>;
  /** A bot publishing in the suite's SFU. */
  startBot(options: SuiteBotOptions): Promise<Bot>;
  /** livekit-client in headless Chromium, subscribed to `room`. */
  openBrowser(room: string, identity: string): Promise<ChromiumSubscriber>;
}

/** A bot `pub` publishing one 640x360 video in simulcast layers. */
export const SIMULCAST_PUBLISHER = {
  identity: 'pub',
  kind: 'video',
  width: 640,
  height: 360,
  simulcast: true,
} as const satisfies Omit<SuiteBotOptions, 'room'>;

const TEST_API_KEY = 'test-key';
const TEST_API_SECRET = 'test-secret-test-secret-test-secret-0123';
const HIDDEN_RECORDER: Pick<TestTokenOptions, 'grants' | 'kind'> = {
  grants: { hidden: true, recorder: true, canPublish: false },
  kind: 'egress',
};

/**
 * Starts a test SFU in the calling `describe`'s `before` hook and stops it, with everything
 * started through the returned suite, in its `after` hook. Call it inside the `describe` body.
 */
export function useTestSfu(): SfuSuite {
  const apiKey = TEST_API_KEY;
  const apiSecret = TEST_API_SECRET;
  let running: TestSfu | undefined;
  const browsers: ChromiumSubscriber[] = [];
  const bots: Bot[] = [];
  const probes: RtcNodeProbe[] = [];

  before(async () => {
    running = await startTestSfu({ apiKey, apiSecret });
  });

  after(async () => {
    for (const browser of browsers) await browser.close();
    for (const bot of bots) await bot.leave();
    for (const probe of probes) await probe.disconnect();
    await running?.close();
    await dispose();
  });

  const sfu = (): TestSfu => {
    if (!running) throw new Error('useTestSfu: the SFU starts in the suite’s before hook');
    return running;
  };
  const token: SfuSuite['token'] = (room, identity, extra = {}) =>
    createTestToken({ apiKey, apiSecret, room, identity, ...extra });

  return {
    apiKey,
    apiSecret,
    get sfu() {
      return sfu();
    },
    token,
    async join(room, identity, options = {}) {
      const probe = new RtcNodeProbe();
      probes.push(probe);
      const signed = await token(room, identity, options.hidden ? HIDDEN_RECORDER : {});
      await probe.connect(sfu().url, signed, options.autoSubscribe ?? true);
      return probe;
    },
    async startBot(options) {
      const bot = await startBot({ url: sfu().url, apiKey, apiSecret, ...options });
      bots.push(bot);
      return bot;
    },
    async openBrowser(room, identity) {
      const browser = await openChromiumSubscriber({
        url: sfu().url,
        token: await token(room, identity),
      });
      browsers.push(browser);
      return browser;
    },
  };
}
