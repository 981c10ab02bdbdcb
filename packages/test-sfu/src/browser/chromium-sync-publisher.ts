import type { Browser } from 'puppeteer-core';
import { launchHeadlessChromium } from './chromium-subscriber.js';
import { type SubscriberPageServer, startSubscriberPageServer } from './subscriber-page.js';

// Runs in the page (livekit-client's UMD build is the global `LivekitClient`): a canvas that
// turns white for the first 100 ms of every second of the AudioContext clock and a 1 kHz beep
// scheduled on the same seconds, published as camera and microphone.
const PUBLISH_SCRIPT = `async (url, token) => {
  const { Room } = LivekitClient;
  const room = new Room({ adaptiveStream: false, dynacast: false });
  await room.connect(url, token);
  const ctx = new AudioContext();
  await ctx.resume();
  const destination = ctx.createMediaStreamDestination();
  const osc = ctx.createOscillator();
  osc.frequency.value = 1000;
  const gain = ctx.createGain();
  gain.gain.value = 0;
  osc.connect(gain).connect(destination);
  osc.start();
  const firstSec = Math.ceil(ctx.currentTime) + 1;
  for (let i = 0; i < 3600; i++) {
    gain.gain.setValueAtTime(0.5, firstSec + i);
    gain.gain.setValueAtTime(0, firstSec + i + 0.1);
  }
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  document.body.appendChild(canvas);
  const g = canvas.getContext('2d');
  setInterval(() => {
    const t = ctx.currentTime - ctx.outputLatency;
    const isFlash = t >= firstSec && (t - firstSec) % 1 < 0.1;
    g.fillStyle = isFlash ? '#fff' : '#223';
    g.fillRect(0, 0, canvas.width, canvas.height);
  }, 5);
  const video = canvas.captureStream(30).getVideoTracks()[0];
  await room.localParticipant.publishTrack(video, { name: 'camera', source: 'camera', simulcast: false });
  await room.localParticipant.publishTrack(destination.stream.getAudioTracks()[0], { name: 'microphone', source: 'microphone' });
  window.lkPublisher = room;
}`;

/** A headless Chromium publishing the sync signal with livekit-client. */
export interface ChromiumSyncPublisher {
  /** Disconnects, closes the browser and the page server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Joins the room `token` grants with livekit-client in headless Chromium and publishes the sync
 * signal (a white canvas and a 1 kHz beep for the first 100 ms of every second) as camera and
 * microphone: the test SFU's sync bot, sent by a browser instead of rtc-node.
 *
 * @throws Error when Chromium cannot start or the page cannot connect and publish
 */
export async function startChromiumSyncPublisher(options: {
  url: string;
  token: string;
  chromiumPath?: string;
}): Promise<ChromiumSyncPublisher> {
  let pageServer: SubscriberPageServer | undefined;
  let browser: Browser | undefined;
  try {
    pageServer = await startSubscriberPageServer();
    browser = await launchHeadlessChromium(options.chromiumPath);
    const page = await browser.newPage();
    await page.goto(pageServer.url);
    await page.evaluate(
      `(${PUBLISH_SCRIPT})(${JSON.stringify(options.url)}, ${JSON.stringify(options.token)})`,
    );
  } catch (err) {
    await browser?.close();
    await pageServer?.close();
    throw err;
  }
  const openedBrowser = browser;
  const openedServer = pageServer;
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await openedBrowser.close();
        await openedServer.close();
      })();
      return closing;
    },
  };
}
