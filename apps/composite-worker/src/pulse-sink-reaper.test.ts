import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLogger } from '@egress/protocol';
import {
  type OwnedSink,
  PulseSinkReaper,
  parseOwnedSinks,
  planSinkReaps,
} from './pulse-sink-reaper.js';
import { PULSE_SKIP } from './testing/pulse-skip.js';

const run = promisify(execFile);
const logger = createLogger({ service: 'reaper-test', level: process.env.LOG_LEVEL ?? 'silent' });
const GRACE_MS = 1000;
const INTERVAL_MS = 250;
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('parseOwnedSinks', () => {
  const cases: Array<{ name: string; input: string; want: OwnedSink[] }> = [
    {
      name: 'reads a sink an egress process loaded',
      input:
        "7\tmodule-null-sink\tsink_name=EG_abc sink_properties='device.description=EG_abc egress.owner_pid=4242'\n",
      want: [{ moduleIndex: 7, name: 'EG_abc', ownerPid: 4242 }],
    },
    {
      name: 'skips a null sink without an owner pid, and other modules',
      input: [
        '1\tmodule-null-sink\tsink_name=other sink_properties=device.description=other',
        '2\tmodule-native-protocol-unix\t',
        '3\tmodule-loopback\tsink_name=x egress.owner_pid=1',
        '',
      ].join('\n'),
      want: [],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseOwnedSinks(c.input), c.want));
});

describe('planSinkReaps', () => {
  const dead: OwnedSink = { moduleIndex: 1, name: 'EG_dead', ownerPid: 10 };
  const live: OwnedSink = { moduleIndex: 2, name: 'EG_live', ownerPid: 20 };
  const isAlive = (pid: number) => pid === 20;

  it('reaps an orphaned sink only once it stayed orphaned for the grace', () => {
    const seen = new Map<number, number>();
    assert.deepEqual(planSinkReaps([dead, live], isAlive, seen, 1000, 0), []);
    assert.deepEqual(planSinkReaps([dead, live], isAlive, seen, 1000, 999), []);
    assert.deepEqual(planSinkReaps([dead, live], isAlive, seen, 1000, 1000), [dead]);
    assert.equal(seen.size, 0);
  });

  it('never reaps the sink of a live owner', () => {
    const seen = new Map<number, number>();
    for (const now of [0, 5000, 60_000]) {
      assert.deepEqual(planSinkReaps([live], isAlive, seen, 1000, now), []);
    }
  });

  it('forgets a sink that is gone, so a new one waits a full grace', () => {
    const seen = new Map<number, number>([[dead.moduleIndex, 0]]);
    assert.deepEqual(planSinkReaps([], isAlive, seen, 1000, 500), []);
    assert.equal(seen.size, 0);
    assert.deepEqual(planSinkReaps([dead], isAlive, seen, 1000, 1500), []);
  });
});

/** Module lines of the PulseAudio daemon now. */
async function modules(): Promise<string> {
  return (await run('pactl', ['list', 'short', 'modules'])).stdout;
}

const hasSink = async (name: string) => (await modules()).includes(`sink_name=${name} `);

/** A process that loads a sink through `PulseSink` (as an egress process does) and waits. */
async function startSinkOwner(name: string): Promise<ChildProcess> {
  const script = [
    "import { PulseSink } from '@egress/media';",
    "import { createLogger } from '@egress/protocol';",
    `await PulseSink.create({ name: ${JSON.stringify(name)}, logger: createLogger({ service: 'owner', level: 'silent' }) });`,
    "process.stdout.write('ready\\n');",
    'setInterval(() => {}, 60_000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await Promise.race([
    once(child.stdout as NodeJS.ReadableStream, 'data'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`sink owner exited ${code}`);
    }),
  ])) as [Buffer];
  assert.equal(String(chunk).trim(), 'ready');
  return child;
}

async function waitUntil(what: string, deadlineMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${deadlineMs} ms waiting until ${what}`);
    await sleep(100);
  }
}

describe('PulseSinkReaper with a real PulseAudio daemon', {
  skip: PULSE_SKIP,
  timeout: 120_000,
}, () => {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const killedName = `EG_reap_killed_${id}`;
  const liveName = `EG_reap_live_${id}`;
  const foreignName = `reap_foreign_${id}`;
  let killed: ChildProcess | undefined;
  let live: ChildProcess | undefined;
  let reaper: PulseSinkReaper | undefined;

  before(async () => {
    killed = await startSinkOwner(killedName);
    live = await startSinkOwner(liveName);
    // A null sink of someone else (no owner pid): never ours to unload.
    await run('pactl', [
      'load-module',
      'module-null-sink',
      `sink_name=${foreignName}`,
      `sink_properties=device.description=${foreignName}`,
    ]);
  });

  after(async () => {
    await reaper?.close();
    for (const child of [killed, live]) {
      if (child?.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    // Leave the daemon as found: unload every module this file loaded.
    const ours = (await modules())
      .split('\n')
      .filter((line) => line.includes(id))
      .map((line) => line.split('\t')[0] ?? '');
    for (const index of ours) await run('pactl', ['unload-module', index]).catch(() => {});
  });

  it('unloads the sink of a SIGKILLed owner, not before its grace, and only that one', async (t) => {
    assert.ok(killed && live);
    assert.ok(await hasSink(killedName), 'the owner loaded no sink');
    const owned = parseOwnedSinks(await modules()).find((s) => s.name === killedName);
    assert.equal(owned?.ownerPid, killed.pid, 'the sink names its owner');

    reaper = new PulseSinkReaper({ graceMs: GRACE_MS, intervalMs: INTERVAL_MS, logger });
    reaper.start();
    const killedAt = Date.now();
    killed.kill('SIGKILL');
    await once(killed, 'exit');
    // A hang guard, not a speed bound (pactl calls are slow on a loaded machine): how soon after
    // grace + interval the sink goes is a diagnostic.
    await waitUntil(
      'the killed owner’s sink is gone',
      GRACE_MS + INTERVAL_MS + 15_000,
      async () => !(await hasSink(killedName)),
    );
    const reapedMs = Date.now() - killedAt;
    t.diagnostic(
      `sink unloaded ${reapedMs} ms after SIGKILL (grace ${GRACE_MS}, interval ${INTERVAL_MS})`,
    );
    assert.ok(reapedMs >= GRACE_MS, `reaped after ${reapedMs} ms, before its grace`);

    // Several more checks pass; the live owner's sink and the foreign one stay.
    await sleep(2 * (GRACE_MS + INTERVAL_MS));
    await reaper.sweep();
    assert.ok(await hasSink(liveName), 'a live owner’s sink was unloaded');
    assert.ok(await hasSink(foreignName), 'a sink without an owner pid was unloaded');
  });
});
