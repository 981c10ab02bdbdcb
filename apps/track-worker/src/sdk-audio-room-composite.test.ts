import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  EgressSourceType,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  RoomCompositeEgressRequest,
  SegmentedFileOutput,
} from '@livekit/protocol';
import { dispose } from '@livekit/rtc-node';
import { bandVolumeDb } from './testing/band-volume.js';
import { probeAudioFile } from './testing/probe-audio-file.js';
import {
  startTrackWorkerHarness,
  type TrackWorkerHarness,
} from './testing/track-worker-harness.js';

// Real Redis, BullMQ, test SFU, GStreamer and ffprobe: the job as the bridge enqueues it.
describe('runSdkAudioRoomComposite: audio-only room composite in the track worker', {
  timeout: 180_000,
}, () => {
  let harness: TrackWorkerHarness;
  before(async () => {
    harness = await startTrackWorkerHarness();
  });
  after(async () => {
    await harness?.close();
    await dispose();
  });
  const enqueueAudioOnly = (
    room: string,
    outputs: Pick<RoomCompositeEgressRequest, 'fileOutputs'> &
      Partial<Pick<RoomCompositeEgressRequest, 'segmentOutputs'>>,
  ) =>
    harness.enqueue({
      case: 'roomComposite',
      value: new RoomCompositeEgressRequest({ roomName: room, audioOnly: true, ...outputs }),
    });

  it('mixes the room to MP4 (AAC) and HLS until stopped, without Chromium', async () => {
    const room = `room-${randomUUID()}`;
    await harness.bot({ room, identity: 'low', kind: 'audio', toneHz: 440 });
    await harness.bot({ room, identity: 'high', kind: 'audio', toneHz: 1500 });
    const { egressId, job } = await enqueueAudioOnly(room, {
      fileOutputs: [
        new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rooms/{room_name}' }),
      ],
      segmentOutputs: [
        new SegmentedFileOutput({ filenamePrefix: 'hls/{room_name}', playlistName: 'index.m3u8' }),
      ],
    });
    assert.ok(await harness.waitActive(egressId), 'never went ACTIVE');
    await sleep(5000);
    const stopped = await harness.stop(egressId);
    assert.equal(EgressStatus[stopped.status], 'EGRESS_ENDING');
    const info = await harness.finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_COMPLETE', info.error);
    assert.equal(info.sourceType, EgressSourceType.SDK);
    assert.equal(info.details, 'End reason: StopEgress API');

    const file = info.fileResults[0];
    assert.equal(file?.filename, `rooms/${room}.mp4`);
    const local = join(harness.outDir, file?.filename ?? '');
    const probe = await probeAudioFile(local);
    assert.equal(probe.codec, 'aac');
    assert.equal(probe.channels, 2);
    const wallSec = Number((file?.endedAt ?? 0n) - (file?.startedAt ?? 0n)) / 1e9;
    assert.ok(Math.abs(probe.durationSec - wallSec) <= 1, `${probe.durationSec} s vs ${wallSec} s`);
    for (const frequencyHz of [440, 1500]) {
      const db = await bandVolumeDb(local, { frequencyHz });
      assert.ok(db > -35, `${frequencyHz} Hz at ${db} dB`);
    }

    const segments = info.segmentResults[0];
    assert.ok(segments && segments.segmentCount > 0n, 'no HLS segments');
    const playlist = await readFile(join(harness.outDir, segments.playlistName), 'utf8');
    assert.match(playlist, /#EXTINF/);
    const hlsFiles = await readdir(join(harness.outDir, 'hls'));
    assert.ok(
      hlsFiles.some((name) => name.endsWith('.ts')),
      hlsFiles.join(', '),
    );
  });

  it('uploads what it recorded and names it in the FAILED info when its encoder dies', async () => {
    const room = `room-${randomUUID()}`;
    await harness.bot({ room, identity: 'tone', kind: 'audio', toneHz: 440 });
    const { egressId, job } = await enqueueAudioOnly(room, {
      fileOutputs: [
        new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'killed/{room_name}' }),
      ],
    });
    assert.ok(await harness.waitActive(egressId), 'never went ACTIVE');
    await sleep(3000);
    const cell = harness.worker.pidOf(egressId);
    assert.ok(cell, 'no cell runs the egress');
    // the cell's gst-launch child: this egress's encoder (the only egress of this test)
    const { stdout } = await promisify(execFile)('pgrep', ['-P', String(cell), 'gst-launch']);
    const encoder = Number(stdout.trim().split('\n')[0]);
    assert.ok(encoder > 0, `no encoder under cell ${cell}`);
    process.kill(encoder, 'SIGKILL');

    const info = await harness.finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_FAILED');
    const file = info.fileResults[0];
    assert.equal(file?.filename, `killed/${room}.mp4`);
    assert.ok(file && file.size > 0n && file.location !== '', JSON.stringify(file?.toJson()));
    // fragmented MP4: the fragments written before the kill play
    const probe = await probeAudioFile(join(harness.outDir, file?.filename ?? ''));
    assert.equal(probe.codec, 'aac');
    assert.ok(probe.durationSec >= 1, `${probe.durationSec} s recorded`);
  });
});
