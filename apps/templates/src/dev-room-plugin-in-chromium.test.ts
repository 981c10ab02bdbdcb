import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import pTimeout from 'p-timeout';
import type { Browser } from 'puppeteer-core';
import { createServer, type ViteDevServer } from 'vite';
import { devRoomPlugin } from './dev-room-plugin.js';
import { launchChromium } from './test-support/launch-chromium.js';

// Run with: pnpm --filter @egress/test-sfu build && scripts/netns-run node --import tsx --test \
//   --test-reporter=spec apps/templates/src/dev-room-plugin-in-chromium.test.ts

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `work`, rejected naming `name` after `milliseconds`, so a hang fails at its place. */
function step<T>(name: string, milliseconds: number, work: Promise<T>): Promise<T> {
  return pTimeout(work, { milliseconds, message: `${name}: not done within ${milliseconds} ms` });
}

// Each step's own timeout is shorter than the suite's (together under 130 s), so a slow step fails
// with its own message instead of the suite's bare timeout.
describe('devRoomPlugin', { timeout: 150_000 }, () => {
  let server: ViteDevServer;
  let browser: Browser;
  let isClosed = false;

  before(async () => {
    server = await createServer({
      root: ROOT,
      configFile: false,
      logLevel: 'silent',
      plugins: [react(), devRoomPlugin({ bots: 2, port: 0, layout: 'speaker-light' })],
      server: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    await server.listen();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (!isClosed) await server?.close();
  });

  it('serves the template with hot reload against a test SFU room with bots, until closed', async () => {
    const base = server.resolvedUrls?.local[0];
    assert.ok(base, 'the dev server has no local URL');
    const page = await step('open a page', 10_000, browser.newPage());
    await page.goto(base, { waitUntil: 'load', timeout: 40_000 });
    const url = new URL(page.url());
    assert.ok(url.searchParams.get('token'), `no token after the redirect: ${url.pathname}`);
    assert.match(url.searchParams.get('url') ?? '', /^ws:\/\/127\.0\.0\.1:\d+$/);
    await page.waitForSelector('.page[data-layout="speaker-light"]', { timeout: 20_000 });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLVideoElement>('[data-role] video')].filter(
          (v) => v.videoWidth > 0,
        ).length === 2,
      { timeout: 20_000 },
    );
    // Hot reload: a change to a component reaches the page as a module update, not a reload. The
    // watcher's change event stands in for an edit (the file itself is left alone).
    await page.evaluate(() => {
      (window as { hmrMarker?: boolean }).hmrMarker = true;
    });
    const updated = page.waitForRequest(
      (req) => /\/src\/speaker-layout\.tsx\?t=\d+/.test(req.url()),
      {
        timeout: 20_000,
      },
    );
    server.watcher.emit('change', join(ROOT, 'src', 'speaker-layout.tsx'));
    await updated;
    await page.waitForSelector('.page[data-layout="speaker-light"]', { timeout: 20_000 });
    assert.equal(
      await page.evaluate(() => (window as { hmrMarker?: boolean }).hmrMarker),
      true,
      'the page reloaded instead of updating the module',
    );
    await step('close the page', 10_000, page.close());
    // Closing the dev server stops the room.
    const sfuHttp = (url.searchParams.get('url') ?? '').replace(/^ws:/, 'http:');
    isClosed = true;
    await step('close the dev server', 10_000, server.close());
    const deadline = Date.now() + 15_000;
    let isUp = true;
    while (isUp && Date.now() < deadline) {
      isUp = await fetch(`${sfuHttp}/rtc/validate`, { signal: AbortSignal.timeout(2000) }).then(
        () => true,
        () => false,
      );
      if (isUp) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(isUp, false, 'the test SFU still answers after the dev server closed');
  });
});
