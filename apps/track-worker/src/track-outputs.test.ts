import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { EgressRequest } from '@egress/protocol';
import {
  DirectFileOutput,
  EgressStatus,
  EncodingOptions,
  ImageOutput,
  SegmentedFileOutput,
  StreamInfo_Status,
  StreamOutput,
  StreamProtocol,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
} from '@livekit/protocol';
import { dispose } from '@livekit/rtc-node';
import { probeVideoFile } from './testing/probe-video-file.js';
import { startRtmpReceiver, type TestRtmpReceiver } from './testing/start-rtmp-receiver.js';
import { startTrackJobHarness, type TrackJobHarness } from './testing/track-job-harness.js';

// Real test SFU and bots, GStreamer, FFmpeg as RTMP server, ffprobe; local_output_dir storage.

interface StreamProbe {
  codecs: string[];
  durationSec: number;
}

/** Codecs and duration of a received stream file. */
async function probeStream(path: string): Promise<StreamProbe> {
  const { stdout } = await promisify(execFile)('ffprobe', [
    ...['-v', 'error', '-show_entries', 'stream=codec_name:format=duration', '-of', 'json', path],
  ]);
  const data = JSON.parse(stdout) as {
    streams?: { codec_name?: string }[];
    format?: { duration?: string };
  };
  return {
    codecs: (data.streams ?? []).map((s) => s.codec_name ?? '').sort(),
    durationSec: Number(data.format?.duration ?? 0),
  };
}

describe('track pool outputs', { timeout: 240_000 }, () => {
  let harness: TrackJobHarness;
  const receivers: TestRtmpReceiver[] = [];

  before(async () => {
    harness = await startTrackJobHarness();
  });

  after(async () => {
    for (const receiver of receivers) await receiver.close();
    await harness?.close();
    await dispose();
  });

  it('encodes a track composite once to HLS, images and RTMP, with UpdateStream', async () => {
    const room = `room-${randomUUID()}`;
    const bot = await harness.bot({
      room,
      identity: 'camera',
      kind: 'audio-video',
    });
    const first = await startRtmpReceiver(join(harness.dir, 'first.flv'), 'first');
    const second = await startRtmpReceiver(join(harness.dir, 'second.flv'), 'second');
    receivers.push(first, second);
    const request: EgressRequest = {
      case: 'trackComposite',
      value: new TrackCompositeEgressRequest({
        roomName: room,
        audioTrackId: bot.publications.audio?.sid ?? '',
        videoTrackId: bot.publications.video?.sid ?? '',
        options: {
          case: 'advanced',
          value: new EncodingOptions({ width: 640, height: 360, framerate: 30, videoBitrate: 800 }),
        },
        segmentOutputs: [
          new SegmentedFileOutput({
            filenamePrefix: 'tc/seg',
            playlistName: 'tc/index.m3u8',
            livePlaylistName: 'tc/live.m3u8',
            segmentDuration: 2,
          }),
        ],
        imageOutputs: [new ImageOutput({ captureInterval: 2, filenamePrefix: 'tc/img/snap' })],
        streamOutputs: [new StreamOutput({ protocol: StreamProtocol.RTMP, urls: [first.url] })],
      }),
    };
    const job = harness.runJob(request);
    await job.active;
    const activeAtMs = Date.now();
    await sleep(5000);
    await job.control({
      type: 'update-stream',
      addOutputUrls: [second.url],
      removeOutputUrls: [first.url],
    });
    const streams = job.latest().streamResults;
    assert.equal(streams.length, 2, 'both destinations are listed');
    await sleep(6000);
    await job.control({ type: 'stop' });
    const info = await job.done;
    const recordedSec = (Date.now() - activeAtMs) / 1000;

    assert.equal(info.status, EgressStatus.EGRESS_COMPLETE, info.error);
    assert.deepEqual(job.statuses.slice(-3), [
      EgressStatus.EGRESS_ACTIVE,
      EgressStatus.EGRESS_ENDING,
      EgressStatus.EGRESS_COMPLETE,
    ]);

    // HLS: a valid playlist whose segments carry H.264 + AAC at the requested size
    const segments = info.segmentResults[0];
    assert.ok(segments, 'segment results');
    assert.ok(Number(segments.segmentCount) >= 3, `segments: ${segments.segmentCount}`);
    const playlist = await readFile(join(harness.outDir, 'tc', 'index.m3u8'), 'utf8');
    assert.match(playlist, /^#EXTM3U/);
    assert.match(playlist, /#EXT-X-ENDLIST/);
    const uris = playlist.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    assert.equal(uris.length, Number(segments.segmentCount));
    const live = await readFile(join(harness.outDir, 'tc', 'live.m3u8'), 'utf8');
    assert.match(live, /#EXTINF/);
    const segment = await probeVideoFile(join(harness.outDir, 'tc', uris[1] ?? ''));
    assert.equal(segment.codec, 'h264');
    assert.equal(segment.width, 640);
    assert.equal(segment.height, 360);
    const segmentStreams = await probeStream(join(harness.outDir, 'tc', uris[1] ?? ''));
    assert.deepEqual(segmentStreams.codecs, ['aac', 'h264']);
    const hlsSec = Number(segments.duration) / 1e9;
    assert.ok(Math.abs(hlsSec - recordedSec) < 3, `hls ${hlsSec} s of ${recordedSec} s`);

    // images: one every 2 s
    const images = (await readdir(join(harness.outDir, 'tc', 'img'))).filter((f) =>
      f.endsWith('.jpeg'),
    );
    const imageCount = Number(info.imageResults[0]?.imageCount ?? 0);
    assert.equal(images.length, imageCount);
    const expected = recordedSec / 2;
    assert.ok(Math.abs(imageCount - expected) <= 2, `${imageCount} images, ~${expected} expected`);

    // RTMP: the first destination ran until removed, the second from then on
    const [firstResult, secondResult] = [first.url, second.url].map((url) =>
      info.streamResults.find((s) => url.startsWith(s.url.replace(/\/[^/]*$/, ''))),
    );
    assert.equal(firstResult?.status, StreamInfo_Status.FINISHED);
    assert.equal(secondResult?.status, StreamInfo_Status.FINISHED);
    assert.ok((firstResult?.duration ?? 0n) > 0n, 'first stream has a duration');
    await first.exited;
    await second.exited;
    for (const receiver of [first, second]) {
      const probe = await probeStream(receiver.path);
      assert.deepEqual(probe.codecs, ['aac', 'h264'], receiver.path);
      assert.ok(probe.durationSec > 2, `${receiver.path}: ${probe.durationSec} s`);
    }
  });

  it('ends LIMIT_REACHED at the segment duration limit with the playlist uploaded', async () => {
    const room = `room-${randomUUID()}`;
    const bot = await harness.bot({
      room,
      identity: 'camera',
      kind: 'audio-video',
    });
    const job = harness.runJob(
      {
        case: 'trackComposite',
        value: new TrackCompositeEgressRequest({
          roomName: room,
          audioTrackId: bot.publications.audio?.sid ?? '',
          videoTrackId: bot.publications.video?.sid ?? '',
          segmentOutputs: [
            new SegmentedFileOutput({ filenamePrefix: 'limit/seg', segmentDuration: 1 }),
          ],
        }),
      },
      { configYaml: ['session_limits:', '  segment_output_max_duration: 4s'] },
    );
    const info = await job.done;
    assert.equal(info.status, EgressStatus.EGRESS_LIMIT_REACHED, info.error);
    const segments = info.segmentResults[0];
    assert.ok(Number(segments?.segmentCount ?? 0) >= 2, `segments: ${segments?.segmentCount}`);
    assert.ok(segments?.playlistLocation, 'the playlist was uploaded');
    assert.match(
      await readFile(join(harness.outDir, segments?.playlistName ?? ''), 'utf8'),
      /#EXT-X-ENDLIST/,
    );
    assert.ok(info.manifestLocation, 'the manifest was uploaded');
  });

  it('records a video track to WebM/VP8 when the file name asks for .webm', async () => {
    const room = `room-${randomUUID()}`;
    const bot = await harness.bot({
      room,
      identity: 'camera',
      kind: 'video',
      width: 320,
      height: 240,
      fps: 30,
    });
    const request: EgressRequest = {
      case: 'track',
      value: new TrackEgressRequest({
        roomName: room,
        trackId: bot.publications.video?.sid ?? '',
        output: {
          case: 'file',
          value: new DirectFileOutput({ filepath: 'tracks/{track_id}.webm' }),
        },
      }),
    };
    const job = harness.runJob(request);
    await job.active;
    const activeAtMs = Date.now();
    await sleep(6000);
    await job.control({ type: 'stop' });
    const info = await job.done;
    const recordedSec = (Date.now() - activeAtMs) / 1000;
    assert.equal(info.status, EgressStatus.EGRESS_COMPLETE, info.error);
    const file = info.fileResults[0];
    assert.ok(file?.filename.endsWith('.webm'), file?.filename);
    const probe = await probeVideoFile(join(harness.outDir, file?.filename ?? ''));
    assert.equal(probe.codec, 'vp8');
    assert.equal(probe.width, 320);
    assert.equal(probe.height, 240);
    assert.ok(Math.abs(probe.durationSec - recordedSec) < 1.5, `${probe.durationSec} s`);
    const fps = probe.frames / probe.durationSec;
    assert.ok(Math.abs(fps - 30) < 3, `${fps} fps`);
  });
});
