import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Chromium, as the composite worker uses. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for test runs: the recorder's essentials, no background traffic, real host candidates. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-dev-shm-usage',
  '--disable-quic',
  // Real IPs in host candidates: the test SFU cannot resolve mDNS names (test-sfu.md §2.1).
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/** Starts one headless Chromium for a test file; close it in `after`. */
export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
