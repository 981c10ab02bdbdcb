import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { type EgressInfo, EgressStatus } from 'livekit-server-sdk';
import type { EgressStack } from '../demo/egress-stack.js';
import {
  getEgress,
  isEnded,
  RecordingClock,
  statusName,
  waitForEgress,
} from '../demo/egress-watch.js';
import { type OutputProbe, probeOutput } from '../demo/probe-output.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { stackOutput } from '../test-stack.js';
import {
  pollUntil,
  recordFor,
  startAudioFileEgress,
  startTrackDrillStack,
} from './drill-support.js';

// Drill: restart Redis while a track egress records. The drill's own redis-server (data kept
// in an append-only file, as a production Redis keeps it) is stopped for a few seconds and
// started again on the same port: the bridge and the worker must reconnect, a stop must reach
// the egress, and the recording must end COMPLETE with a file that plays through.
const ROOM = 'drill-redis-restart';
const DOWN_MS = 3000;

describe('drill: restart Redis during a recording', { skip: skipWithoutTestNetwork() }, () => {
  let outputDir: string;
  let dataDir: string;
  let redis: TestRedis | undefined;
  let stack: EgressStack | undefined;
  let ended: EgressInfo | undefined;
  let recordedSec = 0;
  let probe: OutputProbe;

  before(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'drill-redis-restart-'));
    dataDir = await mkdtemp(join(tmpdir(), 'drill-redis-data-'));
    redis = await startTestRedis({ dataDir });
    const { host, port } = new URL(redis.url);
    stack = await startTrackDrillStack({ redisAddress: host, outputDir, room: ROOM });
    const { client } = stack;
    const clock = new RecordingClock();
    const { egressId } = await startAudioFileEgress(stack, ROOM, 'through-restart.ogg', clock);
    await recordFor(clock, egressId, 2);
    await redis.close();
    await sleep(DOWN_MS);
    redis = await startTestRedis({ dataDir, port: Number(port) });
    // The bridge answers again once it has reconnected.
    await pollUntil('the bridge lists the egress again', 30_000, () =>
      client.listEgress({ egressId }).catch(() => undefined),
    );
    await sleep(1000);
    // A stop needs the worker's control subscription back: repeat it until the egress ends.
    await pollUntil('a stop reaches the egress', 30_000, async () => {
      await client.stopEgress(egressId).catch(() => undefined);
      const info = await getEgress(client, egressId).catch(() => undefined);
      return info && info.status !== EgressStatus.EGRESS_ACTIVE ? info : undefined;
    });
    ended = await waitForEgress(client, egressId, {
      until: isEnded,
      deadlineMs: 60_000,
      onPoll: (i) => clock.observe(i),
    });
    recordedSec = clock.seconds(egressId);
    probe = await probeOutput(ended.fileResults[0]?.location ?? '');
  });

  after(async () => {
    const output = stackOutput(stack);
    await stack?.close();
    await redis?.close();
    for (const dir of [outputDir, dataDir])
      if (dir) await rm(dir, { recursive: true, force: true });
    if (!ended && output) process.stderr.write(`${output}\n`);
  });

  it('ends the egress COMPLETE, as the bridge lists it', () => {
    assert.ok(ended);
    assert.equal(statusName(ended.status), 'EGRESS_COMPLETE', ended.error);
  });

  it('writes a file that plays through the restart', () => {
    assert.equal(probe.audioCodec, 'opus');
    // From the first ACTIVE poll to the final one; the end waits on the stop's round trip.
    assert.ok(
      probe.durationSec >= 2 + DOWN_MS / 1000 && probe.durationSec <= recordedSec + 1.5,
      `file ${probe.durationSec} s, recorded ${recordedSec.toFixed(2)} s`,
    );
  });
});
