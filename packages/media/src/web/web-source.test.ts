import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createLogger, DEFAULT_ENCODING, EgressError, GO_MESSAGES } from '@egress/protocol';
import { planCompositePipeline } from '../composite/pipeline-plan.js';
import { GstProcess } from '../gst/gst-process.js';
import { meanVolumeDb, probeMedia } from '../testing/probe-media.js';
import { TONE_PAGE } from '../testing/tone-page.js';
import {
  prepareWebSource,
  START_SIGNAL_HINT,
  startWebSource,
  type WebSource,
} from './web-source.js';

// Real PulseAudio (PULSE_RUNTIME_PATH from scripts/test), Xvfb, Chromium and GStreamer.
const run = promisify(execFile);
const logger = createLogger({ service: 'media-test', level: process.env.LOG_LEVEL ?? 'silent' });
const WIDTH = 640;
const HEIGHT = 360;
const RECORD_MS = 3_000;

const PAGES: Record<string, { status?: number; body: string }> = {
  '/animated': { body: TONE_PAGE },
  '/missing': { status: 404, body: 'not here' },
  '/template-error': { body: '<div class="error">boom</div>' },
  '/late-template-error': {
    body: `<script>setTimeout(() => { const d = document.createElement('div');
      d.className = 'error'; d.textContent = 'could not connect'; document.body.append(d); }, 1000);
      </script>`,
  },
  '/silent': { body: '<p>no signal here</p>' },
  '/ending': {
    body: `<script>console.log('START_RECORDING');
      setTimeout(() => console.log('other', 'END_RECORDING'), 1000);</script>`,
  },
  '/no-signal-needed': { body: '<p>recording starts on load</p>' },
  '/layout': {
    body: `<script>console.log('START_RECORDING');
      addEventListener('egress:layout', (e) => {
        console.log('layout: ' + e.detail);
        if (e.detail === 'speaker') console.log('END_RECORDING');
      });</script>`,
  },
};

let server: Server;
let baseUrl: string;
let root: string;
const opened: WebSource[] = [];

async function open(
  path: string,
  options: { awaitStartSignal?: boolean; startSignalTimeoutMs?: number; egressId?: string } = {},
): Promise<WebSource> {
  const source = await startWebSource({
    egressId: options.egressId ?? `EG_test_${randomUUID().slice(0, 8)}`,
    url: `${baseUrl}${path}`,
    width: WIDTH,
    height: HEIGHT,
    awaitStartSignal: options.awaitStartSignal ?? true,
    startSignalTimeoutMs: options.startSignalTimeoutMs ?? 20_000,
    errorWatchMs: 3_000,
    logger,
  });
  opened.push(source);
  return source;
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof EgressError, `expected an EgressError, got ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    return true;
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of live processes in a process group. */
async function groupMembers(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // fields after the command's closing parenthesis: state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
  }
  return members;
}

async function pulseModules(): Promise<string> {
  return (await run('pactl', ['list', 'short', 'modules'])).stdout;
}

async function assertGone(
  source: Pick<WebSource, 'display' | 'processIds' | 'pulseSink'>,
): Promise<void> {
  assert.equal(isAlive(source.processIds.xvfb), false, 'Xvfb still running');
  const chromium = source.processIds.chromium;
  assert.ok(chromium !== undefined);
  assert.deepEqual(await groupMembers(chromium), [], 'Chromium processes left');
  assert.ok(!(await pulseModules()).includes(`sink_name=${source.pulseSink}`), 'sink left');
  const display = source.display.slice(1);
  const lock = await readFile(`/tmp/.X${display}-lock`, 'utf8').catch(() => '');
  assert.notEqual(Number(lock.trim()), source.processIds.xvfb, 'Xvfb lock file left');
}

describe('startWebSource with Xvfb, PulseAudio and Chromium', { timeout: 150_000 }, () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'web-source-'));
    server = createServer((req, res) => {
      const page = PAGES[new URL(req.url ?? '/', 'http://x').pathname];
      res.writeHead(page?.status ?? (page ? 200 : 404), { 'content-type': 'text/html' });
      res.end(page?.body ?? 'unknown page');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  });

  it('records the page picture and its sound through the display and the null sink', async (t) => {
    const source = await open('/animated');
    await source.started;
    const path = join(root, 'page.mp4');
    const { args } = planCompositePipeline({
      outputs: {
        encoding: {
          ...DEFAULT_ENCODING,
          width: WIDTH,
          height: HEIGHT,
          framerate: 30,
          videoBitrateKbps: 1000,
          audioCodec: 'aac',
          audioFrequencyHz: 48000,
        },
        file: { fileType: 'mp4', localPath: path },
      },
      sources: {
        video: { kind: 'x11', display: source.display, width: WIDTH, height: HEIGHT },
        audio: { kind: 'pulse', device: source.pulseDevice },
      },
    });
    const gst = GstProcess.start({ args, logger });
    try {
      await gst.whenPlaying();
      await sleep(RECORD_MS);
      const exit = await gst.stop();
      assert.equal(exit.isCleanEos, true, `gst did not finish cleanly: ${exit.tail.join('\n')}`);
    } finally {
      await gst.kill();
    }
    const probe = await probeMedia(path);
    assert.equal(probe.video?.codec, 'h264');
    assert.equal(probe.video?.width, WIDTH);
    assert.equal(probe.video?.height, HEIGHT);
    assert.ok(Math.abs((probe.video?.fps ?? 0) - 30) <= 3, `fps ${probe.video?.fps}`);
    assert.ok(Math.abs(probe.durationSec - RECORD_MS / 1000) <= 1, `duration ${probe.durationSec}`);
    assert.equal(probe.audio?.codec, 'aac');
    const volume = await meanVolumeDb(path);
    t.diagnostic(`ffprobe ${JSON.stringify(probe)}, mean volume ${volume} dB`);
    assert.ok(volume > -40, `mean volume ${volume} dB: the page's tone was not captured`);
    await source.close();
    assert.deepEqual(await source.ended, { reason: 'closed' });
    await assertGone(source);
  });

  const loadFailures = [
    {
      name: 'fails with the HTTP status when the page does not load',
      input: '/missing',
      want: 'page load error: 404',
    },
    {
      name: 'fails with the text of a template error shown on load',
      input: '/template-error',
      want: 'template error: boom',
    },
  ];
  for (const c of loadFailures) {
    it(c.name, async () => {
      const egressId = `EG_test_${randomUUID().slice(0, 8)}`;
      await rejectsWith(open(c.input, { egressId }), 'invalid_argument', c.want);
      assert.ok(
        !(await pulseModules()).includes(`sink_name=${egressId}`),
        'sink left after a failed start',
      );
    });
  }

  it('fails the start when a template error appears after load', async () => {
    const source = await open('/late-template-error');
    await rejectsWith(source.started, 'invalid_argument', 'template error: could not connect');
    const end = await source.ended;
    assert.equal(end.reason, 'failed');
    await source.close();
  });

  it('aborts with a hint when the start signal does not come in time', async () => {
    const source = await open('/silent', { startSignalTimeoutMs: 2_000 });
    await assert.rejects(source.started, (err: unknown) => {
      assert.ok(err instanceof EgressError);
      assert.equal(err.message, GO_MESSAGES.startSignalNotReceived);
      assert.equal(err.code, 'aborted');
      assert.equal(err.details?.hint, START_SIGNAL_HINT);
      return true;
    });
    await source.close();
  });

  it('starts on load when the start signal is not awaited', async () => {
    const source = await open('/no-signal-needed', { awaitStartSignal: false });
    await source.started;
    await source.close();
  });

  it('ends when the page logs END_RECORDING', async () => {
    const source = await open('/ending');
    await source.started;
    assert.deepEqual(await source.ended, { reason: 'end-signal' });
    await source.close();
    await assertGone(source);
  });

  it('dispatches the egress:layout event on the page with the new layout', async () => {
    const source = await open('/layout');
    await source.started;
    await source.setLayout('speaker');
    // the page logs END_RECORDING once its listener got 'speaker'
    assert.deepEqual(await source.ended, { reason: 'end-signal' });
    await source.close();
  });

  it('gives two sources at once their own display and sink and closes both cleanly', async () => {
    const [a, b] = await Promise.all([open('/animated'), open('/animated')]);
    assert.ok(a && b);
    await Promise.all([a.started, b.started]);
    assert.notEqual(a.display, b.display);
    assert.notEqual(a.pulseSink, b.pulseSink);
    const modules = await pulseModules();
    assert.ok(modules.includes(`sink_name=${a.pulseSink}`));
    assert.ok(modules.includes(`sink_name=${b.pulseSink}`));
    await Promise.all([a.close(), b.close()]);
    await assertGone(a);
    await assertGone(b);
  });

  it('loads a page into a source prepared on about:blank and starts on its signal', async () => {
    const sinkName = `EGW_test_${randomUUID().slice(0, 8)}`;
    const prepared = await prepareWebSource({ sinkName, width: WIDTH, height: HEIGHT, logger });
    assert.equal(prepared.pulseSink, sinkName);
    assert.ok((await pulseModules()).includes(`sink_name=${sinkName}`), 'no sink before load');
    assert.ok(isAlive(prepared.processIds.xvfb), 'no Xvfb before load');
    const source = await prepared.load({ url: `${baseUrl}/ending`, awaitStartSignal: true });
    opened.push(source);
    assert.equal(source.display, prepared.display);
    await source.started;
    assert.deepEqual(await source.ended, { reason: 'end-signal' });
    await source.close();
    await assertGone(prepared);
  });

  it('reports a prepared browser that died and loads no page into it', async () => {
    const prepared = await prepareWebSource({
      sinkName: `EGW_test_${randomUUID().slice(0, 8)}`,
      width: WIDTH,
      height: HEIGHT,
      logger,
    });
    const chromium = prepared.processIds.chromium;
    assert.ok(chromium !== undefined);
    process.kill(-chromium, 'SIGKILL');
    const failure = await prepared.failure;
    assert.equal(failure.code, 'internal');
    await assert.rejects(prepared.load({ url: `${baseUrl}/ending`, awaitStartSignal: true }));
    await prepared.close();
    await assertGone(prepared);
  });
});
