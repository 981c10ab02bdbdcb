import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Bot, createTestToken, startBot, startTestSfu, type TestSfu } from '@egress/test-sfu';
import type { Browser, Page } from 'puppeteer-core';
import { disposeRtcNode } from './test-support/dispose-rtc-node.js';
import { launchChromium } from './test-support/launch-chromium.js';
import { type DirectoryServer, serveDirectory } from './test-support/serve-directory.js';

// Run with: pnpm --filter @egress/templates build && scripts/netns-run node --import tsx --test \
//   --test-reporter=spec apps/templates/src/live-updates-in-chromium.test.ts

const API_KEY = 'templates-test-key';
const API_SECRET = 'templates-test-secret-that-is-long-enough';
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
// A hang guard, not the promise (an UpdateLayout shows within a second): how fast it
// shows is a figure, printed as a diagnostic here and measured by bench/templates.ts.
const LAYOUT_DEADLINE_MS = 10_000;

let sfu: TestSfu;
let site: DirectoryServer;
let browser: Browser;
const allBots: Bot[] = [];

interface OpenedRoom {
  name: string;
  recorder: string;
  page: Page;
  console: string[];
}

/** Starts `count` camera bots (`bot-0`...) and opens the template as a hidden recorder. */
async function openRoom(count: number, layout: string): Promise<OpenedRoom> {
  const name = `room-${randomUUID()}`;
  for (let i = 0; i < count; i++) {
    const bot = await startBot({
      url: sfu.url,
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      room: name,
      identity: `bot-${i}`,
      kind: 'video',
      width: 160,
      height: 90,
      fps: 10,
    });
    allBots.push(bot);
  }
  const recorder = `EG_${randomUUID().slice(0, 8)}`;
  const token = await createTestToken({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    room: name,
    identity: recorder,
    grants: { canPublish: false, canPublishData: false, hidden: true, recorder: true },
    kind: 'egress',
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 640, height: 360 });
  const lines: string[] = [];
  page.on('console', (message) => lines.push(message.text()));
  const query = new URLSearchParams({ layout, token, url: sfu.url });
  await page.goto(`${site.url}?${query.toString()}`, { waitUntil: 'load' });
  await page.waitForFunction(
    (want: number) => document.querySelectorAll('[data-role]').length === want,
    { timeout: 20_000 },
    count,
  );
  return { name, recorder, page, console: lines };
}

/** RoomService UpdateParticipant over Twirp, as livekit-server's UpdateLayout changes the recorder. */
async function updateMetadata(room: string, identity: string, metadata: string): Promise<void> {
  const token = await createTestToken({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    room,
    identity: 'admin',
    grants: { roomAdmin: true },
  });
  const response = await fetch(`${sfu.httpUrl}/twirp/livekit.RoomService/UpdateParticipant`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ room, identity, metadata }),
  });
  assert.equal(response.status, 200, await response.text());
}

/** Identities of the main area and of the tiles with the speaking outline. */
function speakingState(page: Page): Promise<{ main: string; speaking: string[] }> {
  return page.evaluate(() => ({
    main: document.querySelector<HTMLElement>('[data-role="main"]')?.dataset.identity ?? '',
    speaking: [...document.querySelectorAll<HTMLElement>('.speaking[data-identity]')]
      .map((el) => el.dataset.identity ?? '')
      .sort(),
  }));
}

async function waitForSpeaking(page: Page, main: string, speaking: string[]): Promise<void> {
  try {
    await page.waitForFunction(
      (wantMain: string, wantSpeaking: string) => {
        const mainEl = document.querySelector<HTMLElement>('[data-role="main"]');
        const got = [...document.querySelectorAll<HTMLElement>('.speaking[data-identity]')]
          .map((el) => el.dataset.identity ?? '')
          .sort()
          .join(',');
        return mainEl?.dataset.identity === wantMain && got === wantSpeaking;
      },
      { timeout: 10_000 },
      main,
      speaking.join(','),
    );
  } catch (err) {
    const got = await speakingState(page);
    assert.fail(`want main ${main}, speaking [${speaking}]; got ${JSON.stringify(got)}: ${err}`);
  }
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

describe('templates following the room live in Chromium', { timeout: 120_000 }, () => {
  it("applies a layout set through the recorder's metadata", {
    timeout: 60_000,
  }, async (t) => {
    const room = await openRoom(2, 'grid-dark');
    await room.page.waitForSelector('.page[data-layout="grid-dark"]');
    for (const layout of ['speaker-light', 'single-speaker-dark', 'grid-light']) {
      const sentAtMs = performance.now();
      await updateMetadata(room.name, room.recorder, JSON.stringify({ layout }));
      await room.page.waitForSelector(`.page[data-layout="${layout}"]`, {
        timeout: LAYOUT_DEADLINE_MS,
      });
      t.diagnostic(
        `${layout} drawn ${Math.round(performance.now() - sentAtMs)} ms after the update`,
      );
    }
    await room.page.close();
  });

  it('outlines the active speakers and moves the main speaker to them', {
    timeout: 60_000,
  }, async () => {
    const room = await openRoom(3, 'speaker-dark');
    // Nobody speaks: the first joiner is in the main area.
    await waitForSpeaking(room.page, 'bot-0', []);
    assert.ok(sfu.rooms.setActiveSpeakers(room.name, ['bot-2']));
    await waitForSpeaking(room.page, 'bot-2', ['bot-2']);
    sfu.rooms.setActiveSpeakers(room.name, ['bot-1', 'bot-2']);
    // The main speaker is sticky while they still talk.
    await waitForSpeaking(room.page, 'bot-2', ['bot-1', 'bot-2']);
    sfu.rooms.setActiveSpeakers(room.name, ['bot-1']);
    await waitForSpeaking(room.page, 'bot-1', ['bot-1']);
    sfu.rooms.setActiveSpeakers(room.name, []);
    // ...and when nobody else talks.
    await waitForSpeaking(room.page, 'bot-1', []);
    await room.page.close();
  });
});
