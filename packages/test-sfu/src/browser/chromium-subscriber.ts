import { access } from 'node:fs/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import {
  type BrowserSubscriberStats,
  type SubscriberPageServer,
  startSubscriberPageServer,
} from './subscriber-page.js';

/** Debian's Chromium; tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether Chromium is installed where {@link openChromiumSubscriber} looks for it. */
export async function hasChromium(path = CHROMIUM_PATH): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Headless Chromium for a test participant: no sandbox or GPU, audio that plays without a
 * gesture, timers that run in the background, and host candidates with real IPs (no mDNS), as
 * the test network needs.
 */
export function launchHeadlessChromium(chromiumPath = CHROMIUM_PATH): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--disable-background-timer-throttling',
    ],
  });
}

/** Options for {@link openChromiumSubscriber}. */
export interface ChromiumSubscriberOptions {
  /** The SFU's signalling URL. */
  url: string;
  token: string;
  /** @defaultValue {@link CHROMIUM_PATH} */
  chromiumPath?: string;
}

/** A headless Chromium page subscribed to a room with livekit-client. */
export interface ChromiumSubscriber {
  stats(): Promise<BrowserSubscriberStats>;
  /** Resolves with the stats once `predicate` holds (checked every 100 ms), or rejects. */
  waitFor(
    predicate: (stats: BrowserSubscriberStats) => boolean,
    timeoutMs?: number,
  ): Promise<BrowserSubscriberStats>;
  /**
   * Asks for a simulcast quality on every subscribed video (livekit-client's
   * `setVideoQuality`, which sends UpdateTrackSettings).
   */
  setVideoQuality(quality: 'low' | 'medium' | 'high'): Promise<void>;
  /** Disconnects, closes the browser and the page server. */
  close(): Promise<void>;
}

/**
 * Opens livekit-client in headless Chromium and connects it to the room `token` grants,
 * auto-subscribing. Host candidates are real IPs (no mDNS), as the test network needs.
 *
 * @throws Error when Chromium cannot start or the page cannot connect
 */
export async function openChromiumSubscriber(
  options: ChromiumSubscriberOptions,
): Promise<ChromiumSubscriber> {
  let pageServer: SubscriberPageServer | undefined;
  let browser: Browser | undefined;
  try {
    pageServer = await startSubscriberPageServer();
    browser = await launchHeadlessChromium(options.chromiumPath);
    const page: Page = await browser.newPage();
    await page.goto(pageServer.url);
    await page.evaluate(
      (url, token) => {
        const connect = (globalThis as unknown as { lkConnect: (u: string, t: string) => void })
          .lkConnect;
        connect(url, token);
      },
      options.url,
      options.token,
    );
    const stats = () =>
      page.evaluate(() => (globalThis as unknown as { lkStats: BrowserSubscriberStats }).lkStats);
    const openedBrowser = browser;
    const openedServer = pageServer;
    let closing: Promise<void> | undefined;
    return {
      stats,
      async setVideoQuality(quality) {
        // livekit-client's VideoQuality: LOW 0, MEDIUM 1, HIGH 2.
        const value = { low: 0, medium: 1, high: 2 }[quality];
        await page.evaluate((q) => {
          const set = (globalThis as unknown as { lkSetVideoQuality: (q: number) => void })
            .lkSetVideoQuality;
          set(q);
        }, value);
      },
      async waitFor(predicate, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const current = await stats();
          if (predicate(current)) return current;
          if (current.state.startsWith('failed') || Date.now() > deadline) {
            throw new Error(
              `browser subscriber: condition not met; stats ${JSON.stringify(current)}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      close() {
        closing ??= (async () => {
          await page
            .evaluate(async () => {
              const room = (globalThis as unknown as { lkRoom?: { disconnect(): Promise<void> } })
                .lkRoom;
              await room?.disconnect();
            })
            .catch(() => {
              // The page may already be gone; closing the browser ends the session anyway.
            });
          await openedBrowser.close();
          await openedServer.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await browser?.close();
    await pageServer?.close();
    throw err;
  }
}
