import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type EgressInfo,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  StreamOutput,
  StreamProtocol,
} from 'livekit-server-sdk';
import { getEgress, statusName } from '../demo/egress-watch.js';
import { outputMismatches } from '../demo/expectations.js';
import { frameMeanRgb, type OutputProbe, probeOutput } from '../demo/probe-output.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { startTestStack, type TestStack } from '../test-stack.js';
import { type LayoutPageServer, startLayoutPageServer } from './layout-page-server.js';
import { durationMismatch, type RecordedEgress, recordEgress } from './record-egress.js';
import { type RtmpCapture, startRtmpCapture } from './rtmp-capture.js';

// Controls of a running room composite through the Twirp door, end to end: it records to a file
// and streams to RTMP destination A; UpdateStream adds B, UpdateLayout switches grid → speaker,
// UpdateStream removes A; then stop. The RTMP destinations are ffmpeg listeners that keep what
// they received; the template is a page of the test that paints itself in its layout's colour,
// so the recording shows when the new layout reached the worker's page.
const ROOM = 'e2e-mid-recording';
const REDIS_DB = 18;
/** Seconds after ACTIVE at which each control is sent, and the recording stops. */
const AT_SEC = { addB: 2, layout: 3.5, removeA: 4.5, stop: 7 };

/** livekit.StreamInfo.Status by number (livekit-server-sdk does not export the enum). */
const STREAM_STATUS_NAMES = ['ACTIVE', 'FINISHED', 'FAILED'] as const;

function streamStatuses(info: EgressInfo): string[] {
  return info.streamResults.map((r) => STREAM_STATUS_NAMES[r.status] ?? String(r.status));
}

function layoutOf(info: EgressInfo): string | undefined {
  return info.request.case === 'roomComposite' ? info.request.value.layout : undefined;
}

describe('update stream and layout mid-recording', { skip: skipWithoutTestNetwork() }, () => {
  let flow: TestStack | undefined;
  let page: LayoutPageServer | undefined;
  let rtmpA: RtmpCapture | undefined;
  let rtmpB: RtmpCapture | undefined;
  let recorded: RecordedEgress | undefined;
  let added: EgressInfo;
  let relaid: EgressInfo;
  let removed: EgressInfo;
  let filePath = '';
  let file: OutputProbe;
  let layoutAfterEnd: unknown;

  before(async () => {
    // The page needs no one in the room: no bots, no track worker.
    flow = await startTestStack({
      redisDb: REDIS_DB,
      room: ROOM,
      workers: ['composite-worker'],
      bots: [],
    });
    page = await startLayoutPageServer();
    rtmpA = await startRtmpCapture(join(flow.outputDir, 'a.flv'), 'a');
    rtmpB = await startRtmpCapture(join(flow.outputDir, 'b.flv'), 'b');
    const { client } = flow.stack;
    const a = rtmpA;
    const b = rtmpB;
    const started = await client.startRoomCompositeEgress(
      ROOM,
      {
        file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'room.mp4' }),
        stream: new StreamOutput({ protocol: StreamProtocol.RTMP, urls: [a.url] }),
      },
      {
        layout: 'grid',
        customBaseUrl: page.url,
        encodingOptions: new EncodingOptions({ width: 640, height: 360, framerate: 30 }),
      },
    );
    const egressId = started.egressId;
    recorded = await recordEgress(client, egressId, {
      recordSec: AT_SEC.stop,
      whileActive: async () => {
        const activeAtMs = Date.now();
        const at = (sec: number) => sleep(Math.max(0, activeAtMs + sec * 1000 - Date.now()));
        await at(AT_SEC.addB);
        added = await client.updateStream(egressId, [b.url]);
        await at(AT_SEC.layout);
        relaid = await client.updateLayout(egressId, 'speaker');
        await at(AT_SEC.removeA);
        removed = await client.updateStream(egressId, [], [a.url]);
      },
    });
    filePath = recorded.ended.fileResults[0]?.location ?? '';
    file = await probeOutput(filePath);
    layoutAfterEnd = await client.updateLayout(egressId, 'grid').catch((err: unknown) => err);
    // Each listener ends once its publisher has gone: A when removed, B at the end.
    await Promise.all([a.finished(), b.finished()]);
  });

  after(async () => {
    await Promise.all([rtmpA?.close(), rtmpB?.close(), page?.close()]);
    await flow?.close(!recorded);
  });

  it('streams to A from the start', () => {
    assert.ok(recorded);
    assert.deepEqual(streamStatuses(recorded.active), ['ACTIVE']);
  });

  it('adds B with UpdateStream, both ACTIVE', () => {
    assert.deepEqual(streamStatuses(added), ['ACTIVE', 'ACTIVE']);
  });

  it('removes A with UpdateStream: A FINISHED with a duration, B still ACTIVE', () => {
    assert.deepEqual(streamStatuses(removed), ['FINISHED', 'ACTIVE']);
    assert.ok((removed.streamResults[0]?.duration ?? 0n) > 0n, 'no duration for A');
  });

  it('ends COMPLETE with both streams FINISHED', () => {
    assert.ok(recorded);
    const { ended } = recorded;
    assert.equal(statusName(ended.status), 'EGRESS_COMPLETE', ended.error);
    assert.deepEqual(streamStatuses(ended), ['FINISHED', 'FINISHED']);
  });

  it('delivered H.264 and AAC to each RTMP destination while it was on', async () => {
    const a = await probeOutput(rtmpA?.path ?? '');
    const b = await probeOutput(rtmpB?.path ?? '');
    const media = { videoCodec: 'h264', audioCodec: 'aac', width: 640, height: 360 };
    assert.deepEqual(outputMismatches(a, media), [], 'destination A');
    assert.deepEqual(outputMismatches(b, media), [], 'destination B');
    // A was on for ~4.5 s and B for ~5 s. Each starts at a keyframe (#22): B, added mid-GOP, at
    // the latest one; A, started with the egress, at the second (the first GOP, 4 s for a
    // stream, is no sync point for the encoder's stream server), so A may get well under a second.
    assert.ok(a.durationSec > 0, `A received ${a.durationSec} s`);
    assert.ok(b.durationSec >= 2, `B received ${b.durationSec} s`);
  });

  it('kept recording the file through the stream changes', () => {
    assert.ok(recorded);
    assert.deepEqual(outputMismatches(file, { videoCodec: 'h264', audioCodec: 'aac' }), []);
    assert.equal(
      durationMismatch(file.durationSec, recorded.ended, recorded.recordedSec),
      undefined,
    );
  });

  it('answers UpdateLayout with the new layout and lists it', async () => {
    assert.equal(layoutOf(relaid), 'speaker');
    assert.ok(flow && recorded);
    assert.equal(layoutOf(await getEgress(flow.stack.client, recorded.ended.egressId)), 'speaker');
  });

  it('shows the grid colour before UpdateLayout and the speaker colour after', async () => {
    const [r1, , b1] = await frameMeanRgb(filePath, 1);
    assert.ok(r1 > 120 && b1 < 90, `grid frame rgb mean ${r1}/${b1}, want red`);
    const [r2, , b2] = await frameMeanRgb(filePath, file.durationSec - 1);
    assert.ok(b2 > 120 && r2 < 90, `speaker frame rgb mean ${r2}/${b2}, want blue`);
  });

  it('refuses UpdateLayout once ended with failed_precondition', () => {
    assert.ok(layoutAfterEnd instanceof Error, 'an update after the end was answered');
    assert.equal((layoutAfterEnd as Error & { code?: string }).code, 'failed_precondition');
  });
});
