import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Bot,
  type BotKind,
  createTestToken,
  startBot,
  startTestSfu,
  type TestSfu,
} from '@egress/test-sfu';
import type { Browser, Page } from 'puppeteer-core';
import { LAYOUT_NAMES, parseLayout } from './layout.js';
import type { Rect } from './layout-geometry.js';
import { decodePng } from './test-support/decode-png.js';
import { disposeRtcNode } from './test-support/dispose-rtc-node.js';
import { type ExpectedRects, expectedRects } from './test-support/expected-rects.js';
import { launchChromium } from './test-support/launch-chromium.js';
import { layoutProblems, type Rgb } from './test-support/screenshot-checks.js';
import { type DirectoryServer, serveDirectory } from './test-support/serve-directory.js';
import { LAYOUT_EVENT } from './use-layout.js';

// Run with: pnpm --filter @egress/templates build && scripts/netns-run node --import tsx --test \
//   --test-reporter=spec apps/templates/src/layouts-in-chromium.test.ts

const API_KEY = 'templates-test-key';
const API_SECRET = 'templates-test-secret-that-is-long-enough';
const VIEWPORT = { width: 640, height: 360 };
const BACKGROUND: Record<'dark' | 'light', Rgb> = { dark: [16, 17, 20], light: [243, 244, 246] };
const LAYOUTS = LAYOUT_NAMES.flatMap((name) => [`${name}-dark`, `${name}-light`]);
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const TEST_TIMEOUT_MS = 60_000;
/** Set TEMPLATES_SCREENSHOT_DIR to keep every checked screenshot for a look. */
const SCREENSHOT_DIR = process.env.TEMPLATES_SCREENSHOT_DIR;

interface TestRoom {
  name: string;
  bots: Bot[];
  page: Page;
  console: string[];
}

let sfu: TestSfu;
let site: DirectoryServer;
let browser: Browser;
const allBots: Bot[] = [];

async function startRoom(kinds: BotKind[]): Promise<Omit<TestRoom, 'page' | 'console'>> {
  const name = `room-${randomUUID()}`;
  const bots: Bot[] = [];
  // One at a time: join order is the tile order the test expects.
  for (const [i, kind] of kinds.entries()) {
    const bot = await startBot({
      url: sfu.url,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      room: name,
      identity: `bot-${i}`,
      kind,
      width: 160,
      height: 90,
      fps: 10,
    });
    bots.push(bot);
    allBots.push(bot);
  }
  // Bots with a microphone play a tone the SFU would report as speech; these rooms are silent,
  // so the first joiner keeps the main area.
  sfu.rooms.setActiveSpeakers(name, []);
  return { name, bots };
}

async function recorderUrl(room: string, layout: string): Promise<string> {
  const token = await createTestToken({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    room,
    identity: `EG_${randomUUID().slice(0, 8)}`,
    grants: { canPublish: false, canPublishData: false, hidden: true, recorder: true },
    kind: 'egress',
  });
  const query = new URLSearchParams({ layout, token, url: sfu.url });
  return `${site.url}?${query.toString()}`;
}

async function openPage(url: string): Promise<{ page: Page; console: string[] }> {
  const page = await browser.newPage();
  await page.setViewport(VIEWPORT);
  const lines: string[] = [];
  page.on('console', (message) => lines.push(message.text()));
  await page.goto(url, { waitUntil: 'load' });
  return { page, console: lines };
}

/**
 * Runs `check` on a page recording a fresh room, then closes the page and lets the bots leave,
 * also after a failure: an open page keeps the file running until its timeout, and bots left
 * publishing load the next tests.
 */
async function inRoom(
  kinds: BotKind[],
  layout: string,
  check: (room: TestRoom) => Promise<void>,
): Promise<void> {
  const room = await startRoom(kinds);
  try {
    const opened = await openPage(await recorderUrl(room.name, layout));
    try {
      await check({ ...room, ...opened });
    } finally {
      await opened.page.close();
    }
  } finally {
    await Promise.allSettled(room.bots.map((bot) => bot.leave()));
  }
}

async function waitForLine(lines: string[], line: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!lines.includes(line)) {
    if (Date.now() > deadline)
      assert.fail(`no ${line} within ${timeoutMs} ms; console: ${lines.join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sets the layout the way the worker would (window event) and waits until it is drawn. */
async function setLayout(page: Page, layout: string): Promise<void> {
  await page.evaluate(
    (event, value) => window.dispatchEvent(new CustomEvent(event, { detail: value })),
    LAYOUT_EVENT,
    layout,
  );
  // a hang guard, not a speed bound: no test here asserts how fast a layout is drawn
  await page.waitForSelector(`.page[data-layout="${parseLayout(layout).value}"]`, {
    timeout: 10_000,
  });
}

interface DrawnRect extends Rect {
  role: string;
  identity: string;
  hasVideo: boolean;
}

/** Waits until the page shows `want` tiles with decoded video in every camera/screen tile. */
async function drawnRects(page: Page, want: number, videos: number): Promise<DrawnRect[]> {
  const seen = () =>
    page.evaluate(() => ({
      tiles: document.querySelectorAll('[data-role]').length,
      videos: document.querySelectorAll('[data-role] video').length,
      playing: [...document.querySelectorAll<HTMLVideoElement>('[data-role] video')].filter(
        (v) => v.videoWidth > 0 && v.readyState >= 2,
      ).length,
    }));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const now = await seen();
    if (now.tiles === want && now.playing === videos) break;
    if (Date.now() > deadline) {
      assert.fail(
        `want ${want} tiles and ${videos} playing videos, page has ${JSON.stringify(now)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Two frames so the screenshot shows the settled layout.
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-role]')].map((el) => {
      const box = el.getBoundingClientRect();
      return {
        x: box.x,
        y: box.y,
        width: box.width,
        height: box.height,
        role: el.dataset.role ?? '',
        identity: el.dataset.identity ?? '',
        hasVideo: el.querySelector('video') !== null,
      };
    }),
  );
}

function assertRect(got: Rect | undefined, want: Rect, label: string): void {
  assert.ok(got, `${label}: missing`);
  for (const key of ['x', 'y', 'width', 'height'] as const) {
    assert.ok(Math.abs(got[key] - want[key]) <= 1, `${label}: ${key} ${got[key]} != ${want[key]}`);
  }
}

/**
 * How many `<video>` elements should play: the screen share or the focused first joiner, plus the
 * cameras among the tiles that got a slot (join order; nobody speaks in these rooms).
 */
function expectedVideos(
  want: ExpectedRects,
  cameras: readonly boolean[],
  hasScreenShare: boolean,
): number {
  const slots = want.hiddenCount > 0 ? want.tiles.length - 1 : want.tiles.length;
  const count = (list: readonly boolean[]) => list.filter(Boolean).length;
  if (hasScreenShare) return 1 + count(cameras.slice(0, slots));
  if (want.main) return (cameras[0] ? 1 : 0) + count(cameras.slice(1, 1 + slots));
  return count(cameras.slice(0, slots));
}

/**
 * Checks one layout against the geometry, the DOM and a screenshot. `cameras` says, in join
 * order, which participants publish a camera.
 */
async function checkLayout(
  room: TestRoom,
  layout: string,
  cameras: readonly boolean[],
  hasScreenShare: boolean,
) {
  const parsed = parseLayout(layout);
  const want = expectedRects(parsed, cameras.length, hasScreenShare, VIEWPORT);
  const wantCount = want.tiles.length + (want.main ? 1 : 0);
  const drawn = await drawnRects(
    room.page,
    wantCount,
    expectedVideos(want, cameras, hasScreenShare),
  );
  const main = drawn.find((r) => r.role === 'main' || r.role === 'screen-share');
  if (want.main) {
    assertRect(main, want.main.rect, `${layout} main`);
    assert.equal(main?.role, want.main.role, `${layout}: main area role`);
  } else {
    assert.equal(main, undefined, `${layout}: no main area`);
  }
  const tiles = drawn.filter((r) => r.role === 'tile' || r.role === 'overflow');
  assert.equal(tiles.length, want.tiles.length, `${layout}: tile count`);
  for (const [i, rect] of want.tiles.entries()) assertRect(tiles[i], rect, `${layout} tile ${i}`);
  const shown = tiles.filter((t) => t.role === 'tile').map((t) => t.identity);
  assert.deepEqual(shown, [...shown].sort(), `${layout}: tiles in join order`);
  const png = await room.page.screenshot({ type: 'png', encoding: 'binary' });
  if (SCREENSHOT_DIR) {
    await writeFile(
      join(SCREENSHOT_DIR, `${room.name.slice(0, 13)}-${cameras.length}-${layout}.png`),
      png,
    );
  }
  const rects = [...(want.main ? [want.main.rect] : []), ...want.tiles];
  assert.deepEqual(
    layoutProblems(decodePng(png), rects, BACKGROUND[parsed.theme]),
    [],
    `${layout}: screenshot`,
  );
}

before(async () => {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(
      'apps/templates/dist is missing: run `pnpm --filter @egress/templates build` first',
    );
  }
  sfu = await startTestSfu({ apiKey: API_KEY, apiSecret: API_SECRET });
  site = await serveDirectory(DIST);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await Promise.allSettled(allBots.map((bot) => bot.leave()));
  await sfu?.close();
  await site?.close();
  await disposeRtcNode();
});

describe('templates in Chromium', { timeout: 240_000 }, () => {
  it('renders div.error when the token is missing', async () => {
    const { page } = await openPage(`${site.url}?url=${encodeURIComponent(sfu.url)}&layout=grid`);
    const text = await page.$eval('div.error', (el) => el.textContent);
    assert.match(text ?? '', /url and token/);
    await page.close();
  });

  it('renders div.error when the server rejects the token', async () => {
    const query = new URLSearchParams({ url: sfu.url, token: 'not-a-token', layout: 'grid' });
    const { page } = await openPage(`${site.url}?${query.toString()}`);
    await page.waitForSelector('div.error', { timeout: 15_000 });
    await page.close();
  });

  for (const botCount of [1, 2, 4, 9]) {
    it(`draws every layout and theme with ${botCount} camera bot(s)`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      await inRoom(Array(botCount).fill('video'), 'grid-dark', async (room) => {
        await waitForLine(room.console, 'START_RECORDING');
        for (const layout of LAYOUTS) {
          await setLayout(room.page, layout);
          await checkLayout(room, layout, Array(botCount).fill(true), false);
        }
        assert.equal(room.console.filter((l) => l === 'START_RECORDING').length, 1);
      });
    });
  }

  it('puts a screen share in the main area of every layout', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await inRoom(['video', 'video', 'screen-share'], 'speaker-light', async (room) => {
      await waitForLine(room.console, 'START_RECORDING');
      for (const layout of LAYOUTS) {
        await setLayout(room.page, layout);
        await checkLayout(room, layout, [true, true, false], true);
      }
    });
  });

  it('starts from ?layout= and signals START_RECORDING then END_RECORDING when the room closes', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await inRoom(['audio-video', 'audio'], 'single-speaker-light', async (room) => {
      await waitForLine(room.console, 'START_RECORDING');
      await room.page.waitForSelector('.page[data-layout="single-speaker-light"]');
      await checkLayout(room, 'single-speaker-light', [true, false], false);
      assert.ok(await sfu.rooms.delete(room.name));
      await waitForLine(room.console, 'END_RECORDING');
      assert.equal(room.console.filter((l) => l === 'START_RECORDING').length, 1);
      assert.equal(room.console.filter((l) => l === 'END_RECORDING').length, 1);
    });
  });

  it('starts an audio-only room once audio is subscribed', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await inRoom(['audio'], 'grid-dark', async (room) => {
      await waitForLine(room.console, 'START_RECORDING');
      await checkLayout(room, 'grid-dark', [false], false);
    });
  });
});
