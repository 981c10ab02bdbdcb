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
  ParticipantEgressRequest,
  RoomCompositeEgressRequest,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
  WebEgressRequest,
} from 'livekit-server-sdk';
import { DEMO_API_KEY, DEMO_API_SECRET, type EgressStack } from '../demo/egress-stack.js';
import { getEgress, statusName } from '../demo/egress-watch.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { FlowRuns } from './flow-runs.js';
import {
  COMPOSITE_FILE,
  itWritesExpectedMedia,
  type RequestTypeFlow,
  type RequestTypeRig,
  startRequestTypeRig,
  websocketPcm,
} from './request-type-rig.js';
import { fileLocation, SMALL_ENCODING, templateStartRequest } from './request-types.js';

// Every request type through the psrpc door against the whole system: the bridge's
// FakeLivekitServer plays livekit-server over the same Redis (StartEgress with livekit-server's
// claim selection, ListActiveEgress, StopEgress on topic = egress id, and the IOInfo service the
// bridge reports to), while the real bridge and workers run as child processes with the test SFU
// and two bots. The egresses run at once, as in the Twirp flow file, to keep the wall time low.
// This file has a Redis of its own: psrpc is Redis pub/sub, which every database shares, and no
// other bridge may claim.
const ROOM = 'e2e-psrpc-door';
const ROOM_ID = 'RM_e2e';
const RECORD_SEC = 4;
const logger = createLogger({ service: 'e2e-psrpc', level: process.env.LOG_LEVEL ?? 'silent' });

/** One egress livekit-server asks for, and what its output must be. */
interface PsrpcFlow extends RequestTypeFlow {
  request: (stack: EgressStack) => RpcStartEgressRequest['request'];
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
  outputPath: string;
  /** The same egress as the Twirp door lists it (one state behind both doors). */
  twirpInfo: EgressInfo;
}

describe('the psrpc door with livekit-server played by the fake', {
  skip: skipWithoutTestNetwork(),
}, () => {
  let redis: TestRedis | undefined;
  let rig: RequestTypeRig | undefined;
  let stack: EgressStack | undefined;
  let fake: FakeLivekitServer | undefined;
  const runs = new FlowRuns<PsrpcRun>();

  const fileOutput = (filepath: string) =>
    new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath });
  const advanced = { case: 'advanced', value: SMALL_ENCODING } as const;
  const flows: PsrpcFlow[] = [
    {
      name: 'room composite',
      room: ROOM,
      request: () => ({
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({
          roomName: ROOM,
          layout: 'grid-dark',
          options: advanced,
          fileOutputs: [fileOutput('rc.mp4')],
        }),
      }),
      ...COMPOSITE_FILE,
    },
    {
      name: 'web',
      room: '',
      request: () => ({
        case: 'web',
        value: new WebEgressRequest({
          url: rig?.pageUrl ?? '',
          awaitStartSignal: true,
          options: advanced,
          fileOutputs: [fileOutput('web.mp4')],
        }),
      }),
      ...COMPOSITE_FILE,
    },
    {
      name: 'v2 StartEgress from a template source',
      room: ROOM,
      request: () => ({ case: 'egress', value: templateStartRequest(ROOM, 'v2.mp4') }),
      ...COMPOSITE_FILE,
    },
    {
      name: 'track composite',
      room: ROOM,
      request: (s) => ({
        case: 'trackComposite',
        value: new TrackCompositeEgressRequest({
          roomName: ROOM,
          audioTrackId: s.bots[0]?.publications.audio?.sid ?? '',
          videoTrackId: s.bots[0]?.publications.video?.sid ?? '',
          options: advanced,
          fileOutputs: [fileOutput('tc.mp4')],
        }),
      }),
      ...COMPOSITE_FILE,
    },
    {
      name: 'participant',
      room: ROOM,
      request: () => ({
        case: 'participant',
        value: new ParticipantEgressRequest({
          roomName: ROOM,
          identity: 'bob',
          options: advanced,
          fileOutputs: [fileOutput('bob.mp4')],
        }),
      }),
      ...COMPOSITE_FILE,
    },
    {
      name: 'track to a file',
      room: ROOM,
      request: (s) => ({
        case: 'track',
        value: new TrackEgressRequest({
          roomName: ROOM,
          trackId: s.bots[0]?.publications.audio?.sid ?? '',
          output: { case: 'file', value: new DirectFileOutput({ filepath: 'track.ogg' }) },
        }),
      }),
      outputPath: fileLocation,
      want: { audioCodec: 'opus', minMeanVolumeDb: -50 },
    },
    {
      name: 'track to a websocket',
      room: ROOM,
      request: (s) => ({
        case: 'track',
        value: new TrackEgressRequest({
          roomName: ROOM,
          trackId: s.bots[1]?.publications.audio?.sid ?? '',
          output: { case: 'websocketUrl', value: rig?.pcmUrl ?? '' },
        }),
      }),
      ...websocketPcm(() => rig),
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
        roomId: flow.room ? ROOM_ID : '',
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
      outputPath: await flow.outputPath(ended),
      twirpInfo: await getEgress(s.client, egressId),
    };
  }

  before(async () => {
    redis = await startTestRedis();
    const { hostname, port } = new URL(redis.url);
    rig = await startRequestTypeRig({
      redisAddress: `${hostname}:${port}`,
      room: ROOM,
      // A loaded test machine may have no worker with idle CPU at the instant of the claim
      // (seen: no claim for the track egress, "no response from servers"); then the bridge
      // still claims, low, and the job waits in its queue, as for a pool scaling from zero.
      // The Chromium egresses beyond the CPU budget wait in the queue the same way.
      config: { queued_start_affinity: '0.1' },
    });
    stack = rig.stack;
    fake = new FakeLivekitServer({ redis: redis.url, logger });
    await fake.start();
    await runs.runAll(flows, runFlow);
  });

  after(async () => {
    await fake?.close();
    await rig?.close(runs.hasFailure);
    await redis?.close();
  });

  const runOf = (name: string) => runs.get(name);

  for (const flow of flows) {
    describe(flow.name, () => {
      it('answers StartEgress with the STARTING info under livekit-server’s egress id', () => {
        const run = runOf(flow.name);
        assert.equal(run.started.egressId, run.egressId);
        assert.equal(statusName(run.started.status), 'EGRESS_STARTING');
        assert.equal(run.started.roomId, flow.room ? ROOM_ID : '');
        assert.equal(run.started.roomName, flow.room);
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

      itWritesExpectedMedia(flow.want, () => runOf(flow.name));
    });
  }
});
