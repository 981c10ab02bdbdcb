import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChromeArgsOptions, chromeArgs, defaultArgsToIgnore } from './chrome-args.js';

const size = { width: 1280, height: 720 };

describe('chromeArgs', () => {
  const cases: Array<{
    name: string;
    input: Partial<ChromeArgsOptions>;
    want: { has?: string[]; lacks?: string[]; removed?: string[] };
  }> = [
    {
      name: "sets Go's kiosk, autoplay, window and feature flags without a sandbox",
      input: {},
      want: {
        has: [
          '--kiosk',
          '--autoplay-policy=no-user-gesture-required',
          '--window-position=0,0',
          '--window-size=1280,720',
          '--disable-gpu',
          '--no-sandbox',
          '--disable-quic',
          '--force-color-profile=srgb',
          '--disable-features=AudioServiceOutOfProcess,site-per-process,TranslateUI,BlinkGenPropertyTrees',
        ],
        lacks: ['--disable-web-security'],
        removed: [],
      },
    },
    {
      name: 'keeps the sandbox when enabled',
      input: { enableSandbox: true },
      want: { lacks: ['--no-sandbox'] },
    },
    {
      name: 'allows insecure content for insecure requests',
      input: { insecure: true },
      want: { has: ['--disable-web-security', '--allow-running-insecure-content'] },
    },
    {
      name: 'adds, overrides and removes flags from chrome_flags',
      input: {
        chromeFlags: {
          'enable-logging': true,
          '--window-size': '640,480',
          'disable-gpu': false,
          'disable-extensions': false,
          'js-flags': 5,
        },
      },
      want: {
        has: ['--enable-logging', '--window-size=640,480', '--js-flags=5'],
        lacks: ['--window-size=1280,720', '--disable-gpu'],
        removed: ['disable-gpu', 'disable-extensions'],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = chromeArgs({ ...size, ...c.input });
      for (const arg of c.want.has ?? []) assert.ok(got.args.includes(arg), `missing ${arg}`);
      for (const arg of c.want.lacks ?? []) assert.ok(!got.args.includes(arg), `unexpected ${arg}`);
      if (c.want.removed) assert.deepEqual(got.removed, c.want.removed);
    });
  }

  it("drops puppeteer's defaults named by a false flag, with or without a value", () => {
    const defaults = ['--disable-extensions', '--force-color-profile=srgb', '--no-first-run'];
    assert.deepEqual(defaultArgsToIgnore(defaults, ['disable-extensions', 'force-color-profile']), [
      '--disable-extensions',
      '--force-color-profile=srgb',
    ]);
  });
});
