// The README's main job (`bash scripts/demo` runs this inside scripts/netns-run, with Redis, Xvfb
// and PulseAudio started): a test room with three bots, the bridge and both worker pools, then
// through livekit-server-sdk's EgressClient against the bridge a room composite (grid-dark, MP4 +
// HLS) and an audio track egress to a local WebSocket, about 10 s; then an ffprobe summary of each
// output. Exit status 0 only when every output is as expected.
//   EGRESS_DEMO_REDIS      Redis host:port (default 127.0.0.1:6479)
//   EGRESS_DEMO_LOG_DIR    where the services' logs go (default: kept in memory, shown on failure)
//   EGRESS_DEMO_SECONDS    how long to record (default 10)
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  type EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptionsPreset,
  SegmentedFileOutput,
} from 'livekit-server-sdk';
import { REPO_ROOT } from './app-process.js';
import { DEMO_OUTPUT_DIR, type EgressStack, startEgressStack } from './egress-stack.js';
import { RecordingClock, statusName, waitForEgress } from './egress-watch.js';
import { type OutputExpectation, outputMismatches } from './expectations.js';
import { type PcmReceiver, startPcmReceiver } from './pcm-receiver.js';
import { describeProbe, frameLumaDeviation, probeOutput } from './probe-output.js';

const ROOM = 'demo';
const seconds = Number(process.env.EGRESS_DEMO_SECONDS ?? 10);
const logDir = process.env.EGRESS_DEMO_LOG_DIR;
const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);

let stack: EgressStack | undefined;
let receiver: PcmReceiver | undefined;
/** Egresses started and not seen ended: stopped first when the demo is cut short. */
const running = new Set<string>();
const abort = new AbortController();

/** Stops the egresses still running, then the services, bots and SFU. Idempotent. */
async function stopAll(): Promise<void> {
  const client = stack?.client;
  if (client && running.size > 0) {
    say(`stopping egress ${[...running].join(', ')}`);
    await Promise.allSettled([...running].map((id) => client.stopEgress(id)));
    running.clear();
  }
  await receiver?.close().catch(() => undefined);
  receiver = undefined;
  say('stopping the services, bots and SFU');
  await stack?.close();
}

// Ctrl-C (netns-run and scripts/demo pass it on as SIGTERM): every wait below ends with an
// abort error, and the finally block at the bottom stops what was started, by PID.
function onSignal(signal: NodeJS.Signals): void {
  if (abort.signal.aborted) return;
  say(`${signal}: stopping everything`);
  abort.abort(new Error(`interrupted by ${signal}`));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

function progressLine(
  infos: Array<[string, EgressInfo | undefined]>,
  clock: RecordingClock,
  startedMs: number,
): string {
  const parts = infos.map(([name, info]) =>
    info
      ? `${name} ${statusName(info.status).replace('EGRESS_', '')} ${clock.seconds(info.egressId).toFixed(1)}s`
      : `${name} -`,
  );
  return `${((Date.now() - startedMs) / 1000).toFixed(0).padStart(3)}s  ${parts.join('  |  ')}`;
}

interface Checked {
  name: string;
  path: string;
  summary: string;
  misses: string[];
}

async function check(
  name: string,
  path: string | undefined,
  want: OutputExpectation,
  frameAtSec?: number,
): Promise<Checked> {
  if (!path) return { name, path: '-', summary: 'no output', misses: ['no output location'] };
  try {
    const probe = await probeOutput(path);
    const misses = outputMismatches(probe, want);
    let summary = describeProbe(probe);
    if (frameAtSec !== undefined) {
      const deviation = await frameLumaDeviation(path, frameAtSec);
      summary += `, frame luma σ ${deviation.toFixed(1)}`;
      if (deviation < 5) misses.push(`the frame at ${frameAtSec} s is flat (σ ${deviation})`);
    }
    return { name, path: relative(REPO_ROOT, path), summary, misses };
  } catch (err) {
    return { name, path, summary: 'unreadable', misses: [String(err)] };
  }
}

async function main(): Promise<number> {
  if (process.env.EGRESS_TEST_NETNS !== '1') {
    say(
      'run this through `bash scripts/demo` (it needs the network namespace of scripts/netns-run)',
    );
    return 2;
  }
  await mkdir(DEMO_OUTPUT_DIR, { recursive: true });
  if (logDir) await mkdir(logDir, { recursive: true });
  stack = await startEgressStack({
    redisAddress: process.env.EGRESS_DEMO_REDIS ?? '127.0.0.1:6479',
    outputDir: DEMO_OUTPUT_DIR,
    room: ROOM,
    bots: [
      { identity: 'camera', kind: 'audio-video', isSyncSignal: true },
      { identity: 'tone', kind: 'audio', toneHz: 440 },
      { identity: 'pattern', kind: 'video' },
    ],
    ...(logDir ? { logDir } : {}),
    onStep: say,
    signal: abort.signal,
  });
  receiver = await startPcmReceiver();
  const { client } = stack;
  const name = `demo-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
  await rm(join(DEMO_OUTPUT_DIR, `${name}-hls`), { recursive: true, force: true });

  const composite = await client.startRoomCompositeEgress(
    ROOM,
    {
      file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: `${name}.mp4` }),
      segments: new SegmentedFileOutput({
        filenamePrefix: `${name}-hls/segment`,
        playlistName: 'playlist.m3u8',
        segmentDuration: 2,
      }),
    },
    { layout: 'grid-dark', encodingOptions: EncodingOptionsPreset.H264_720P_30 },
  );
  running.add(composite.egressId);
  say(`room composite ${composite.egressId}: grid-dark, 1280x720 30 fps, MP4 + HLS`);
  const toneSid = stack.bots.find((b) => b.identity === 'tone')?.publications.audio?.sid;
  if (!toneSid) throw new Error('the tone bot has no audio track');
  const track = await client.startTrackEgress(ROOM, receiver.url, toneSid);
  running.add(track.egressId);
  say(`track egress ${track.egressId}: audio of "tone" (${toneSid}) to ${receiver.url}`);

  const latest = new Map<string, EgressInfo>();
  const clock = new RecordingClock();
  const ids: Array<[string, string]> = [
    ['room composite', composite.egressId],
    ['track', track.egressId],
  ];
  const startedMs = Date.now();
  const isTty = process.stdout.isTTY;
  let lastPrintMs = 0;
  let lastLine = '';
  const print = (isFinal = false) => {
    const line = progressLine(
      ids.map(([n, id]) => [n, latest.get(id)]),
      clock,
      startedMs,
    );
    if (isTty) process.stdout.write(`\r[demo] ${line}\x1b[K${isFinal ? '\n' : ''}`);
    else if ((isFinal && line !== lastLine) || Date.now() - lastPrintMs >= 2000) {
      lastPrintMs = Date.now();
      lastLine = line;
      say(line);
    }
  };
  const poll = (until: (info: EgressInfo) => boolean, deadlineMs: number) =>
    Promise.all(
      ids.map(([, id]) =>
        waitForEgress(client, id, {
          until,
          deadlineMs,
          signal: abort.signal,
          onPoll: (info) => {
            latest.set(id, info);
            clock.observe(info);
            print();
          },
        }),
      ),
    );
  // Active first (Chromium loads the template and waits for START_RECORDING), then record.
  await poll((i) => i.status === EgressStatus.EGRESS_ACTIVE, 90_000);
  await waitForEgress(client, composite.egressId, {
    until: () => clock.seconds(composite.egressId) >= seconds,
    deadlineMs: seconds * 1000 + 30_000,
    signal: abort.signal,
    pollMs: 250,
    onPoll: (info) => {
      latest.set(composite.egressId, info);
      clock.observe(info);
      print();
    },
  });
  print(true);
  say('stopping both egresses');
  await Promise.all(ids.map(([, id]) => client.stopEgress(id)));
  const ended = await poll((i) => i.status === EgressStatus.EGRESS_COMPLETE, 90_000);
  running.clear();
  print(true);

  const [compositeInfo, trackInfo] = ended;
  const session = await Promise.race([
    receiver.ended(),
    new Promise<undefined>((r) => setTimeout(r, 10_000, undefined)),
  ]);
  const wavPath = join(DEMO_OUTPUT_DIR, `${name}-track.wav`);
  const pcmBytes = await receiver.save(wavPath);
  say(
    `websocket: ${pcmBytes} PCM bytes, content-type ${session?.contentType ?? '?'}, ` +
      `${session?.isClosedCleanly ? 'closed cleanly' : 'no close frame'}`,
  );

  // Each output lasts about as long as its egress was ACTIVE (as seen by polling every 0.5 s).
  const around = (sec: number): [number, number] => [sec - 2, sec + 2];
  const compositeSec = clock.seconds(composite.egressId);
  const want = { videoCodec: 'h264', audioCodec: 'aac', width: 1280, height: 720 };
  const results = [
    await check(
      'MP4',
      compositeInfo?.fileResults[0]?.location,
      { ...want, fps: [24, 31], durationSec: around(compositeSec), minMeanVolumeDb: -50 },
      seconds / 2,
    ),
    await check('HLS', compositeInfo?.segmentResults[0]?.playlistLocation, {
      ...want,
      durationSec: around(compositeSec),
      minMeanVolumeDb: -50,
    }),
    await check('track (WAV)', pcmBytes > 0 ? wavPath : undefined, {
      audioCodec: 'pcm_s16le',
      sampleRate: 48_000,
      channels: 2,
      durationSec: around(clock.seconds(track.egressId)),
      minMeanVolumeDb: -50,
    }),
  ];
  say(`track egress ended ${trackInfo ? statusName(trackInfo.status) : '?'}`);
  process.stdout.write('\n');
  const width = Math.max(...results.map((r) => r.path.length));
  for (const r of results) {
    process.stdout.write(
      `${r.name.padEnd(12)} ${r.path.padEnd(width)}  ${r.summary}  ${r.misses.length ? 'FAIL' : 'ok'}\n`,
    );
    for (const m of r.misses) process.stdout.write(`${''.padEnd(13)}✗ ${m}\n`);
  }
  process.stdout.write('\n');
  const isOk = results.every((r) => r.misses.length === 0);
  say(
    isOk
      ? `all outputs as expected, in ${relative(process.cwd(), DEMO_OUTPUT_DIR) || '.'}`
      : 'some outputs are not as expected',
  );
  return isOk ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  if (!abort.signal.aborted) {
    say(`failed: ${err instanceof Error ? err.message : String(err)}`);
    if (!logDir) {
      for (const app of stack?.apps ?? []) {
        const lines = app.output().split('\n').slice(-30).join('\n');
        process.stdout.write(`\n--- ${app.app} (last lines) ---\n${lines}\n`);
      }
    } else {
      say(`service logs: ${logDir}`);
    }
  }
} finally {
  await stopAll().catch((err: unknown) => say(`stopping failed: ${String(err)}`));
}
process.exit(abort.signal.aborted ? 130 : code);
