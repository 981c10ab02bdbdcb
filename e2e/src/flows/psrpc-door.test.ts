import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeLivekitServer, type IoInfoCall } from '@egress/bridge/testing';
import { createLogger, mintEgressToken, newEgressId } from '@egress/protocol';
import { RpcStartEgressRequest } from '@egress/protocol/psrpc';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import {
  DirectFileOutput,
  type EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  RoomCompositeEgressRequest,
  TrackEgressRequest,
} from 'livekit-server-sdk';
import { DEMO_API_KEY, DEMO_API_SECRET, type EgressStack } from '../demo/egress-stack.js';
import { getEgress, statusName } from '../demo/egress-watch.js';
import { type OutputExpectation, outputMismatches } from '../demo/expectations.js';
import { probeOutput } from '../demo/probe-output.js';
import { flowSkipReason } from './flow-env.js';
import { FlowRuns } from './flow-runs.js';
import { type FlowStack, startFlowStack } from './flow-stack.js';
import { durationMismatch } from './record-egress.js';

// The psrpc door against the whole system: the bridge's FakeLivekitServer plays livekit-server
// over the same Redis (StartEgress with livekit-server's claim selection, ListActiveEgress,
// StopEgress on topic = egress id, and the IOInfo service the bridge reports to), while the real
// bridge and workers run as child processes with the test SFU and a bot. This file has a Redis of
// its own: psrpc is Redis pub/sub, which every database shares, and no other bridge may claim.
const ROOM = 'e2e-psrpc-door';
const RECORD_SEC = 4;
const logger = createLogger({ service: 'e2e-psrpc', level: process.env.LOG_LEVEL ?? 'silent' });

/** One egress livekit-server asks for, and what its file must be. */
interface PsrpcFlow {
  name: string;
  request: (stack: EgressStack) => RpcStartEgressRequest['request'];
  want: OutputExpectation;
}

/** What the fake livekit-server saw of one flow. */
interface PsrpcRun {
  egressId: string;
  started: EgressInfo;
  activeIds: string[];
  stopped: EgressInfo;
  ended: EgressInfo;
  recordedSec: number;
  calls: IoInfoCall[];
  activeIdsAfter: string[];
  stopAfterEnd: unknown;
  /** The same egress as the Twirp door lists it (one state behind both doors). */
  twirpInfo: EgressInfo;
}

describe('the psrpc door with livekit-server played by the fake', {
  skip: flowSkipReason(),
}, () => {
  let redis: TestRedis | undefined;
  let flowStack: FlowStack | undefined;
  let stack: EgressStack | undefined;
  let fake: FakeLivekitServer | undefined;
  const runs = new FlowRuns<PsrpcRun>();

  const flows: PsrpcFlow[] = [
    {
      name: 'room composite',
      request: () => ({
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({
          roomName: ROOM,
          layout: 'grid-dark',
          options: {
            case: 'advanced',
            value: new EncodingOptions({ width: 640, height: 360, framerate: 30 }),
          },
          fileOutputs: [
            new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rc.mp4' }),
          ],
        }),
      }),
      want: { videoCodec: 'h264', audioCodec: 'aac', width: 640, height: 360 },
    },
    {
      name: 'track',
      request: (s) => ({
        case: 'track',
        value: new TrackEgressRequest({
          roomName: ROOM,
          trackId: s.bots[0]?.publications.audio?.sid ?? '',
          output: { case: 'file', value: new DirectFileOutput({ filepath: 'track.ogg' }) },
        }),
      }),
      want: { audioCodec: 'opus', minMeanVolumeDb: -50 },
    },
  ];

  async function activeIds(): Promise<string[]> {
    const answers = (await fake?.listActiveEgress({ timeoutMs: 1000 })) ?? [];
    return answers.flatMap((a) => a.result?.egressIds ?? []);
  }

  async function runFlow(flow: PsrpcFlow): Promise<PsrpcRun> {
    const s = stack;
    const f = fake;
    assert.ok(s && f);
    const egressId = newEgressId();
    // livekit-server names the egress, mints its join token and passes its own URL.
    const started = await f.startEgress(
      new RpcStartEgressRequest({
        egressId,
        roomId: 'RM_e2e',
        token: await mintEgressToken({
          apiKey: DEMO_API_KEY,
          apiSecret: DEMO_API_SECRET,
          egressId,
          roomName: ROOM,
        }),
        wsUrl: s.sfu.url,
        request: flow.request(s),
      }),
    );
    await f.waitForStatus(egressId, EgressStatus.EGRESS_ACTIVE, { timeoutMs: 120_000 });
    const activeAtMs = Date.now();
    while (Date.now() - activeAtMs < RECORD_SEC * 1000) await sleep(100);
    const ids = await activeIds();
    const stopped = await f.stopEgress(egressId, { timeoutMs: 10_000 });
    const recordedSec = (Date.now() - activeAtMs) / 1000;
    const ended = await f.waitForStatus(egressId, EgressStatus.EGRESS_COMPLETE, {
      timeoutMs: 120_000,
    });
    // The bridge drops the egress's handler topic just after it sees the final status.
    await sleep(500);
    const stopAfterEnd = await f.stopEgress(egressId, { timeoutMs: 2000 }).then(
      (info) => info,
      (err: unknown) => err,
    );
    return {
      egressId,
      started,
      activeIds: ids,
      stopped,
      ended,
      recordedSec,
      calls: f.ioInfoCalls.filter((c) => c.info.egressId === egressId),
      activeIdsAfter: await activeIds(),
      stopAfterEnd,
      twirpInfo: await getEgress(s.client, egressId),
    };
  }

  before(async () => {
    redis = await startTestRedis();
    const { hostname, port } = new URL(redis.url);
    flowStack = await startFlowStack({
      redisAddress: `${hostname}:${port}`,
      room: ROOM,
      bots: [{ identity: 'alice', kind: 'audio-video', toneHz: 440 }],
      // A loaded test machine may have no worker with idle CPU at the instant of the claim
      // (seen: no claim for the track egress, "no response from servers"); then the bridge
      // still claims, low, and the job waits in its queue, as for a pool scaling from zero.
      config: { queued_start_affinity: '0.1' },
    });
    stack = flowStack.stack;
    fake = new FakeLivekitServer({ redis: redis.url, logger });
    await fake.start();
    await runs.runAll(flows, runFlow);
  });

  after(async () => {
    await fake?.close();
    await flowStack?.close(runs.hasFailure);
    await redis?.close();
  });

  const runOf = (name: string) => runs.get(name);

  for (const flow of flows) {
    describe(flow.name, () => {
      it('answers StartEgress with the STARTING info under livekit-server’s egress id', () => {
        const run = runOf(flow.name);
        assert.equal(run.started.egressId, run.egressId);
        assert.equal(statusName(run.started.status), 'EGRESS_STARTING');
        assert.equal(run.started.roomId, 'RM_e2e');
      });

      it('reports CreateEgress first, then UpdateEgress up to COMPLETE, to IOInfo', () => {
        const { calls } = runOf(flow.name);
        assert.equal(calls[0]?.method, 'CreateEgress');
        assert.ok(calls.slice(1).every((c) => c.method === 'UpdateEgress'));
        const statuses = calls.map((c) => statusName(c.info.status));
        for (const status of ['EGRESS_ACTIVE', 'EGRESS_ENDING']) {
          assert.ok(statuses.includes(status), `no ${status} in ${statuses.join(', ')}`);
        }
        const last = calls.at(-1)?.info;
        assert.equal(last && statusName(last.status), 'EGRESS_COMPLETE', last?.error);
        assert.ok((last?.endedAt ?? 0n) > 0n, 'no ended_at');
      });

      it('is in ListActiveEgress while recording and not after it ended', () => {
        const run = runOf(flow.name);
        assert.ok(run.activeIds.includes(run.egressId), 'not listed active');
        assert.ok(!run.activeIdsAfter.includes(run.egressId), 'still listed active');
      });

      it('ends through StopEgress on the egress’s topic (ENDING, then COMPLETE)', () => {
        const run = runOf(flow.name);
        assert.equal(statusName(run.stopped.status), 'EGRESS_ENDING');
        assert.equal(statusName(run.ended.status), 'EGRESS_COMPLETE', run.ended.error);
        assert.equal(statusName(run.twirpInfo.status), 'EGRESS_COMPLETE');
      });

      it('has no StopEgress handler once it ended (psrpc: no response from servers)', () => {
        const { stopAfterEnd } = runOf(flow.name);
        assert.ok(stopAfterEnd instanceof Error, 'a stop after the end was answered');
        assert.equal((stopAfterEnd as Error & { code?: string }).code, 'unavailable');
      });

      it('writes the expected file, as long as it reports', async () => {
        const run = runOf(flow.name);
        const path = run.ended.fileResults[0]?.location ?? '';
        const probe = await probeOutput(path);
        assert.deepEqual(outputMismatches(probe, flow.want), [], path);
        assert.equal(durationMismatch(probe.durationSec, run.ended, run.recordedSec), undefined);
      });
    });
  }
});
