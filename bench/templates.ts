// How fast the built template redraws a new layout in Chromium, the figure the templates tests
// used to assert (the promise: an UpdateLayout shows within a second). Two ways in:
// - metadata: RoomService UpdateParticipant on the recorder, as livekit-server's UpdateLayout does,
//   through the test SFU to the page;
// - event: the worker's window event (`egress:layout`), straight into the page.
// Each row: time from the request to `.page[data-layout=...]` in the DOM, over `switches` changes
// in a room of 2 camera bots. Run inside the test network namespace (WebRTC needs its veth pair):
//   pnpm --filter @egress/templates build && \
//     bash scripts/netns-run node --import tsx bench/templates.ts [switches, default 30]
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  disposeRtcNode,
  LAYOUT_EVENT,
  launchChromium,
  serveDirectory,
} from '@egress/templates/testing';
import { type Bot, createTestToken, startBot, startTestSfu } from '@egress/test-sfu';
import type { Page } from 'puppeteer-core';

const { env: ENV } = process;
const API_KEY = 'bench-templates-key';
const API_SECRET = 'bench-templates-secret-that-is-long-enough';
const DIST = fileURLToPath(new URL('../apps/templates/dist/', import.meta.url));
const LAYOUTS = ['speaker-light', 'single-speaker-dark', 'grid-light', 'grid-dark'] as const;
const DRAW_DEADLINE_MS = 10_000;
const switchesArg = Number(process.argv[2]);
const SWITCHES = switchesArg > 0 ? switchesArg : 30;

interface Row {
  way: string;
  drawMs: number[];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

function printTable(rows: readonly Row[]): void {
  const header = ['way in', 'switches', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'over 1 s'];
  const lines = rows.map((r) => {
    const sorted = [...r.drawMs].sort((a, b) => a - b);
    return [
      r.way,
      String(sorted.length),
      ...[50, 90, 99].map((p) => percentile(sorted, p).toFixed(0)),
      (sorted.at(-1) ?? 0).toFixed(0),
      String(sorted.filter((ms) => ms > 1000).length),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)));
  const cell = (c: string, i: number) =>
    i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0);
  console.log(`| ${header.map(cell).join(' | ')} |`);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(`| ${line.map(cell).join(' | ')} |`);
}

async function waitDrawn(page: Page, layout: string): Promise<void> {
  await page.waitForSelector(`.page[data-layout="${layout}"]`, { timeout: DRAW_DEADLINE_MS });
}

if (ENV.EGRESS_TEST_NETNS !== '1') {
  throw new Error('run inside the test namespace: bash scripts/netns-run node --import tsx ...');
}
if (!existsSync(`${DIST}index.html`)) {
  throw new Error('apps/templates/dist is missing: run pnpm --filter @egress/templates build');
}

const sfu = await startTestSfu({ apiKey: API_KEY, apiSecret: API_SECRET });
const site = await serveDirectory(DIST);
const browser = await launchChromium();
const bots: Bot[] = [];
try {
  const room = `bench-${randomUUID()}`;
  for (let i = 0; i < 2; i++) {
    bots.push(
      await startBot({
        url: sfu.url,
        apiKey: API_KEY,
        apiSecret: API_SECRET,
        room,
        identity: `bot-${i}`,
        kind: 'video',
        width: 160,
        height: 90,
        fps: 10,
      }),
    );
  }
  const recorder = `EG_${randomUUID().slice(0, 8)}`;
  const token = await createTestToken({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    room,
    identity: recorder,
    grants: { canPublish: false, canPublishData: false, hidden: true, recorder: true },
    kind: 'egress',
  });
  const adminToken = await createTestToken({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    room,
    identity: 'admin',
    grants: { roomAdmin: true },
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 640, height: 360 });
  const query = new URLSearchParams({ layout: 'grid-dark', token, url: sfu.url });
  await page.goto(`${site.url}?${query.toString()}`, { waitUntil: 'load' });
  await waitDrawn(page, 'grid-dark');
  // every switch goes to a layout other than the one drawn (grid-dark is the last of LAYOUTS)
  let drawn = LAYOUTS.length - 1;
  const nextLayout = (): string => {
    drawn += 1;
    return LAYOUTS[drawn % LAYOUTS.length] ?? 'grid-dark';
  };

  const byMetadata: Row = { way: 'metadata (UpdateParticipant)', drawMs: [] };
  for (let i = 0; i < SWITCHES; i++) {
    const layout = nextLayout();
    const sentAt = performance.now();
    const response = await fetch(`${sfu.httpUrl}/twirp/livekit.RoomService/UpdateParticipant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ room, identity: recorder, metadata: JSON.stringify({ layout }) }),
    });
    if (response.status !== 200) throw new Error(`UpdateParticipant: ${await response.text()}`);
    await waitDrawn(page, layout);
    byMetadata.drawMs.push(performance.now() - sentAt);
  }

  const byEvent: Row = { way: `window event (${LAYOUT_EVENT})`, drawMs: [] };
  for (let i = 0; i < SWITCHES; i++) {
    const layout = nextLayout();
    const sentAt = performance.now();
    await page.evaluate(
      (event, value) => window.dispatchEvent(new CustomEvent(event, { detail: value })),
      LAYOUT_EVENT,
      layout,
    );
    await waitDrawn(page, layout);
    byEvent.drawMs.push(performance.now() - sentAt);
  }
  printTable([byMetadata, byEvent]);
} finally {
  await browser.close();
  await Promise.allSettled(bots.map((bot) => bot.leave()));
  await sfu.close();
  await site.close();
  await disposeRtcNode();
}
