import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createLogger, type EncodingSettings, parseStreamUrl } from '@egress/protocol';
import { findFreePort } from '@egress/service-runtime';
import { EgressInfo, EgressStatus, StreamInfo, StreamInfo_Status } from '@livekit/protocol';
import { planCompositePipeline } from '../composite/pipeline-plan.js';
import { GstProcess } from '../gst/gst-process.js';
import { StreamOutputs } from '../outputs/stream-outputs.js';
import { SMALL_TEST_ENCODING } from '../testing/small-encoding.js';
import { type StreamReceiver, startStreamReceiver } from '../testing/stream-receiver.js';

// Real GStreamer encoder and destinations, FFmpeg as the SRT listener and the RTMP server
// (third-party receivers), ffprobe. Small live test sources: 2 cores are shared.
const logger = createLogger({ service: 'media-test', level: process.env.LOG_LEVEL ?? 'silent' });
const run = promisify(execFile);
const encoding: EncodingSettings = {
  ...SMALL_TEST_ENCODING,
  // a 2 s GOP, as a stream-only egress gets: a late joiner lands mid-GOP
  keyFrameIntervalSec: 2,
};
/** What receivers say about a stream that starts with frames whose keyframe or PPS they lack. */
const UNDECODABLE = /non-existing PPS|no frame!|decode_slice_header error|missing reference/i;

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'stream-join-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The first video packet of a capture and the first frame that decodes from it. */
async function firstVideo(path: string): Promise<{
  packet: { ptsSec: number; isKey: boolean };
  frame: { ptsSec: number; isKey: boolean; pictType: string };
}> {
  const probe = async (entries: string) => {
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1'],
      ...['-show_entries', entries, '-of', 'json', path],
    ]);
    return JSON.parse(stdout) as Record<string, Record<string, string>[] | undefined>;
  };
  const packet = (await probe('packet=pts_time,flags')).packets?.[0];
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_frames', '-read_intervals', '%+#1'],
    ...['-show_entries', 'frame=pts_time,key_frame,pict_type', '-of', 'json', path],
  ]);
  const frame = (JSON.parse(stdout) as { frames?: Record<string, string | number>[] }).frames?.[0];
  assert.ok(packet && frame, `no video in ${path}`);
  return {
    packet: { ptsSec: Number(packet.pts_time), isKey: String(packet.flags).startsWith('K') },
    frame: {
      ptsSec: Number(frame.pts_time),
      isKey: Number(frame.key_frame) === 1,
      pictType: String(frame.pict_type),
    },
  };
}

/** Errors FFmpeg reports decoding the whole capture. */
async function decodeErrors(path: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return stderr;
}

/** Fails with the first lines FFmpeg logged when they say a frame could not be decoded. */
function assertDecoded(stderr: string, what: string): void {
  const bad = stderr.split('\n').filter((line) => UNDECODABLE.test(line));
  assert.equal(bad.length, 0, `${what}: ${bad.length} lines like ${bad.slice(0, 3).join(' | ')}`);
}

/** Checks one receiver: its first video packet is a keyframe that decodes, and no frame fails. */
async function assertStartsDecodable(r: StreamReceiver, name: string): Promise<void> {
  await Promise.race([r.exited, sleep(15_000)]);
  await r.close();
  assertDecoded(r.stderr(), `${name}: the receiver could not decode`);
  const first = await firstVideo(r.path);
  assert.ok(first.packet.isKey, `${name}: first video packet not a keyframe`);
  assert.ok(first.frame.isKey && first.frame.pictType === 'I', `${name}: ${JSON.stringify(first)}`);
  assert.ok(
    Math.abs(first.frame.ptsSec - first.packet.ptsSec) < 0.001,
    `${name}: the first packet did not decode (${JSON.stringify(first)})`,
  );
  assertDecoded(await decodeErrors(r.path), `${name}: the capture`);
}

describe('stream destinations joining a running encode', () => {
  for (const protocol of ['srt', 'rtmp'] as const) {
    it(`${protocol}: the destination started with the egress and one added by UpdateStream mid-GOP start with a keyframe that decodes`, {
      timeout: 90_000,
    }, async (t) => {
      const port = await findFreePort();
      const first = await startStreamReceiver(protocol, join(root, `${protocol}-first`));
      const added = await startStreamReceiver(protocol, join(root, `${protocol}-added`));
      const { args } = planCompositePipeline({
        outputs: { encoding, stream: { protocol, port } },
        sources: { video: { kind: 'test' }, audio: { kind: 'test' } },
      });
      const encoder = GstProcess.start({ args, logger });
      let streams: StreamOutputs | undefined;
      try {
        await encoder.whenPlaying();
        const firstUrl = parseStreamUrl(first.url, protocol);
        let info = new EgressInfo({
          egressId: 'EG_stream_join',
          status: EgressStatus.EGRESS_ACTIVE,
          streamResults: [
            new StreamInfo({ url: firstUrl.redacted, status: StreamInfo_Status.ACTIVE }),
          ],
        });
        // as the workers do: the destinations start once the encoder plays
        const startedAtMs = performance.now();
        streams = new StreamOutputs({
          plan: { protocol, urls: [firstUrl], hasVideo: true, hasAudio: true },
          port,
          logger,
          getInfo: () => info,
          setInfo: (next) => {
            info = next;
          },
          isStopping: () => false,
          hasOtherOutputs: false,
          onNoOutputLeft: () => {},
        });
        // 3.3 s in: 1.3 s past a keyframe of the 2 s GOP
        await sleep(3300);
        const addedAtMs = performance.now();
        streams.update([added.url], []);
        await sleep(3000);
        assert.deepEqual(
          info.streamResults.map((s) => s.status),
          [StreamInfo_Status.ACTIVE, StreamInfo_Status.ACTIVE],
        );
        const firstMs = (first.firstFrameAtMs() ?? Number.NaN) - startedAtMs;
        const addedMs = (added.firstFrameAtMs() ?? Number.NaN) - addedAtMs;
        // timings are reported, not asserted (CONVENTIONS.md §7): target ≤ 200 ms for a joiner
        t.diagnostic(
          `${protocol} join to first decoded frame: added by UpdateStream ${addedMs.toFixed(0)} ms, started with the encode ${firstMs.toFixed(0)} ms`,
        );
      } finally {
        await streams?.close();
        await encoder.stop();
      }
      await assertStartsDecodable(first, `${protocol} first`);
      await assertStartsDecodable(added, `${protocol} added`);
    });
  }
});
