/**
 * One-off measurement behind the isolation choice in apps/track-worker/README.md: CPU and RSS of rtc-node
 * subscribers of N audio tracks, in one process or one process each, with and without encoding.
 * Run inside the network namespace:
 *   scripts/netns-run node --import tsx bench/density-probe.ts <n> <mode> <layout>
 * mode: sub | appsrc | pipe; layout: shared | split.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createTestToken, startBot, startTestSfu } from '@egress/test-sfu';
import {
  AudioStream,
  dispose,
  type RemoteTrack,
  Room,
  RoomEvent,
  TrackKind,
} from '@livekit/rtc-node';

const apiKey = 'bench-key';
const apiSecret = 'bench-secret-bench-secret-bench-secret-0';
const require = createRequire(import.meta.url);

interface GstElement {
  caps: string;
  push(buffer: Buffer, pts?: Buffer): void;
}
interface GstPipeline {
  play(): void;
  sendEOS(): void;
  findChild(name: string): GstElement;
}

async function child(url: string, room: string, mode: string, identities: string[]): Promise<void> {
  if (mode === 'egress' || mode === 'video-egress') {
    // The real code path: runTrackEgress per track, OGG/Opus file output.
    const { runTrackEgress } = await import('@egress/track-worker/testing');
    const { createLogger } = await import('@egress/protocol');
    const logger = createLogger({ service: 'density', level: 'silent' });
    const dir = await mkdtemp(join(tmpdir(), 'density-'));
    const probe = new Room();
    await probe.connect(
      url,
      await createTestToken({ apiKey, apiSecret, room, identity: `probe-${process.pid}` }),
      { autoSubscribe: false, dynacast: false },
    );
    for (const identity of identities) {
      const pub = [
        ...(probe.remoteParticipants.get(identity)?.trackPublications.values() ?? []),
      ][0];
      const token = await createTestToken({ apiKey, apiSecret, room, identity: `eg-${identity}` });
      void runTrackEgress({
        wsUrl: url,
        token,
        trackId: pub?.sid ?? '',
        output: {
          kind: 'file',
          localPath: join(dir, `${identity}.${mode === 'egress' ? 'ogg' : 'mp4'}`),
        },
        logger,
      });
    }
    await probe.disconnect();
    await delay(3000);
  } else if (mode.endsWith('-rooms')) {
    const inner = mode.slice(0, -'-rooms'.length);
    for (const identity of identities) await join1(url, room, inner, [identity], identity);
  } else {
    await join1(url, room, mode, identities, String(process.pid));
  }
  process.send?.('ready');
  process.on('message', async () => {
    await dispose();
    process.exit(0);
  });
}

async function join1(
  url: string,
  room: string,
  mode: string,
  identities: string[],
  tag: string,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'density-'));
  const token = await createTestToken({ apiKey, apiSecret, room, identity: `rec-${tag}` });
  const r = new Room();
  const wanted = new Set(identities);
  const started = new Set<string>();
  const consume = (track: RemoteTrack, who: string) => {
    if (started.has(who)) return;
    started.add(who);
    const stream = new AudioStream(track, {
      sampleRate: 48000,
      numChannels: 2,
      frameSizeMs: Number(process.env.FRAME_MS ?? 10),
    });
    let sink: (b: Buffer, ptsNs: bigint) => void = () => undefined;
    if (mode === 'appsrc') {
      const gst = require('gstreamer-superficial') as { Pipeline: new (d: string) => GstPipeline };
      const p = new gst.Pipeline(
        `appsrc name=src format=time is-live=true ! opusenc complexity=${process.env.COMPLEXITY ?? 10} ! oggmux ! filesink location=${join(dir, `${who}.ogg`)}`,
      );
      const src = p.findChild('src');
      src.caps = 'audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved';
      p.play();
      const pts = Buffer.alloc(8);
      sink = (b, ptsNs) => {
        pts.writeBigUInt64BE(ptsNs);
        src.push(b, pts);
      };
    } else if (mode === 'pipe') {
      const g = spawn(
        'gst-launch-1.0',
        [
          '-q',
          'fdsrc',
          'fd=0',
          '!',
          'rawaudioparse',
          'format=pcm',
          'pcm-format=s16le',
          'sample-rate=48000',
          'num-channels=2',
          '!',
          'opusenc',
          `complexity=${process.env.COMPLEXITY ?? 10}`,
          '!',
          'oggmux',
          '!',
          'filesink',
          `location=${join(dir, `${who}.ogg`)}`,
        ],
        { stdio: ['pipe', 'ignore', 'ignore'] },
      );
      sink = (b) => {
        g.stdin?.write(b);
      };
    }
    void (async () => {
      let samples = 0n;
      for await (const frame of stream) {
        const b = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
        sink(b, (samples * 1_000_000_000n) / 48000n);
        samples += BigInt(frame.samplesPerChannel);
      }
    })();
  };
  r.on(RoomEvent.TrackPublished, (pub, p) => {
    if (wanted.has(p.identity) && pub.kind === TrackKind.KIND_AUDIO) pub.setSubscribed(true);
  });
  r.on(RoomEvent.TrackSubscribed, (track, _pub, p) => consume(track, p.identity));
  await r.connect(url, token, { autoSubscribe: false, dynacast: false });
  for (const p of r.remoteParticipants.values()) {
    if (!wanted.has(p.identity)) continue;
    for (const pub of p.trackPublications.values()) {
      if (pub.kind === TrackKind.KIND_AUDIO) pub.setSubscribed(true);
    }
  }
}

function ticks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      parents.set(Number(d), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === out[i]) out.push(pid);
  }
  return out;
}

async function main(): Promise<void> {
  const [n = '5', mode = 'sub', layout = 'split'] = process.argv.slice(2);
  const count = Number(n);
  const sfu = await startTestSfu({ apiKey, apiSecret });
  const room = `bench-${process.pid}`;
  const ids = Array.from({ length: count }, (_, i) => `bot-${i}`);
  const bots = [];
  for (const identity of ids) {
    bots.push(
      await startBot({
        url: sfu.url,
        apiKey,
        apiSecret,
        room,
        identity,
        ...(mode === 'video-egress'
          ? { kind: 'video' as const, width: 1280, height: 720, fps: 30 }
          : { kind: 'audio' as const }),
      }),
    );
  }
  const groups = layout === 'shared' ? [ids] : ids.map((id) => [id]);
  const children: ChildProcess[] = [];
  for (const g of groups) {
    const c = fork(new URL(import.meta.url).pathname, ['child', sfu.url, room, mode, ...g], {
      execArgv: process.execArgv,
    });
    await new Promise((resolve) => c.once('message', resolve));
    children.push(c);
  }
  await delay(4000);
  const pids = children.flatMap((c) => descendants(c.pid ?? 0));
  const before = pids.map((p) => ticks(p));
  await delay(10_000);
  const after = pids.map((p) => ticks(p));
  const rss = pids.reduce((sum, p) => sum + rssKb(p), 0);
  const cpuPct = after.reduce((sum, t, i) => sum + t - (before[i] ?? 0), 0) / 10;
  process.stdout.write(
    `${JSON.stringify({ tracks: count, mode, layout, processes: pids.length, cpuPct, cpuPctPerTrack: cpuPct / count, rssMb: rss / 1024, rssMbPerTrack: rss / 1024 / count })}\n`,
  );
  for (const c of children) c.send('stop');
  await delay(1000);
  for (const b of bots) await b.leave();
  await sfu.close();
  await dispose();
  process.exit(0);
}

if (process.argv[2] === 'child') {
  const [, url = '', room = '', mode = 'sub', ...identities] = process.argv.slice(2);
  await child(url, room, mode, identities);
} else {
  await main();
}
