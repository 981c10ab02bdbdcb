/**
 * Child entry of the track bench (./track-bench.ts): one process running N track egresses of one
 * track, as a cell does, through the real code path (`runTrackEgress`). Started with IPC; argv:
 * `<ws url> <room> <track id> <ogg|mp4|websocket> <count> <out dir> <frame ms> [websocket url]`.
 * Sends `{ type: 'ready' }` once every egress is ACTIVE, stops them all on any message, then
 * sends `{ type: 'done', results }` and exits.
 */
import { join } from 'node:path';
import { createLogger } from '@egress/protocol';
import { createTestToken } from '@egress/test-sfu';
import { runTrackEgress, type TrackEgressOutput } from '@egress/track-worker/testing';
import { dispose } from '@livekit/rtc-node';

const [
  wsUrl = '',
  room = '',
  trackId = '',
  output = 'ogg',
  countArg = '1',
  outDir = '',
  frameMs = '60',
  wsOut,
] = process.argv.slice(2);
const apiKey = process.env.BENCH_API_KEY ?? '';
const apiSecret = process.env.BENCH_API_SECRET ?? '';
const logger = createLogger({ service: 'track-bench', level: process.env.LOG_LEVEL ?? 'silent' });
const count = Number(countArg);
const controller = new AbortController();
let active = 0;

function outputOf(i: number): TrackEgressOutput {
  if (output === 'websocket') {
    return { kind: 'websocket', url: wsOut ?? '', redactedUrl: 'bench' };
  }
  return { kind: 'file', localPath: join(outDir, `${process.pid}-${i}.${output}`) };
}

const runs = Array.from({ length: count }, async (_, i) =>
  runTrackEgress({
    wsUrl,
    token: await createTestToken({ apiKey, apiSecret, room, identity: `EG_${process.pid}_${i}` }),
    trackId,
    output: outputOf(i),
    logger,
    signal: controller.signal,
    frameSizeMs: Number(frameMs),
    onActive: () => {
      active += 1;
      if (active === count) process.send?.({ type: 'ready' });
    },
  }),
);
process.once('message', () => controller.abort());
const results = await Promise.all(runs);
process.send?.({
  type: 'done',
  results: results.map((r) => ({
    status: r.status,
    ...(r.status === 'complete'
      ? {
          startedAtMs: r.startedAtMs,
          durationMs: r.durationMs,
          wallMs: r.endedAtMs - r.startedAtMs,
          path: r.output.localPath,
        }
      : {}),
    ...(r.status === 'failed' ? { error: r.error.message } : {}),
  })),
});
await dispose();
process.disconnect();
