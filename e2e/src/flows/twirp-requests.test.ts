import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DirectFileOutput,
  type EgressInfo,
  EncodedFileOutput,
  EncodedFileType,
} from 'livekit-server-sdk';
import type { EgressStack } from '../demo/egress-stack.js';
import { getEgress, statusName } from '../demo/egress-watch.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { FlowRuns } from './flow-runs.js';
import { type RecordedEgress, recordEgress } from './record-egress.js';
import {
  COMPOSITE_FILE,
  itWritesExpectedMedia,
  type RequestTypeFlow,
  type RequestTypeRig,
  startRequestTypeRig,
  websocketPcm,
} from './request-type-rig.js';
import { fileLocation, SMALL_ENCODING, templateStartRequest } from './request-types.js';

// Every request type through the Twirp door with livekit-server-sdk's EgressClient, against the
// whole system as child processes (test SFU with bots, bridge, composite and track workers):
// each egress goes STARTING → ACTIVE → stop (ENDING) → COMPLETE, is listed by id, by room and
// active-only before and after it ends, refuses a second stop, and its output is probed.
const ROOM = 'e2e-twirp-requests';
const REDIS_DB = 16;
const RECORD_SEC = 4;
/** One request type's run, and what its output must be. */
interface Flow extends RequestTypeFlow {
  start: (stack: EgressStack) => Promise<EgressInfo>;
}

/** What the test saw of one flow. */
interface FlowRun {
  started: EgressInfo;
  listedWhileActive: { byId: EgressInfo; activeInRoom: string[] };
  recorded: RecordedEgress;
  listedAfter: { byId: EgressInfo; inRoom: string[]; activeInRoom: string[] };
  secondStop: unknown;
  outputPath: string;
}

async function listedIds(stack: EgressStack, room: string, active: boolean): Promise<string[]> {
  const listed = await stack.client.listEgress({ ...(room ? { roomName: room } : {}), active });
  return listed.map((i) => i.egressId);
}

describe('every request type through the Twirp door', { skip: skipWithoutTestNetwork() }, () => {
  let rig: RequestTypeRig | undefined;
  let stack: EgressStack | undefined;
  const runs = new FlowRuns<FlowRun>();

  const flows: Flow[] = [
    {
      name: 'room composite',
      room: ROOM,
      start: (s) =>
        s.client.startRoomCompositeEgress(
          ROOM,
          { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'room.mp4' }) },
          { layout: 'grid-dark', encodingOptions: SMALL_ENCODING },
        ),
      ...COMPOSITE_FILE,
    },
    {
      name: 'web',
      room: '',
      start: (s) =>
        s.client.startWebEgress(
          rig?.pageUrl ?? '',
          { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'web.mp4' }) },
          { encodingOptions: SMALL_ENCODING, awaitStartSignal: true },
        ),
      ...COMPOSITE_FILE,
    },
    {
      name: 'v2 StartEgress from a template source',
      room: ROOM,
      start: (s) => s.client.startEgress(templateStartRequest(ROOM, 'v2.mp4')),
      ...COMPOSITE_FILE,
    },
    {
      name: 'track composite',
      room: ROOM,
      start: (s) =>
        s.client.startTrackCompositeEgress(
          ROOM,
          { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'tc.mp4' }) },
          {
            audioTrackId: s.bots[0]?.publications.audio?.sid ?? '',
            videoTrackId: s.bots[0]?.publications.video?.sid ?? '',
            encodingOptions: SMALL_ENCODING,
          },
        ),
      ...COMPOSITE_FILE,
    },
    {
      name: 'participant',
      room: ROOM,
      start: (s) =>
        s.client.startParticipantEgress(
          ROOM,
          'bob',
          { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'bob.mp4' }) },
          { encodingOptions: SMALL_ENCODING },
        ),
      ...COMPOSITE_FILE,
    },
    {
      name: 'track to a file',
      room: ROOM,
      start: (s) =>
        s.client.startTrackEgress(
          ROOM,
          new DirectFileOutput({ filepath: 'track/{track_id}.mp4' }),
          s.bots[1]?.publications.video?.sid ?? '',
        ),
      outputPath: fileLocation,
      want: { videoCodec: 'h264', width: 320, height: 240 },
    },
    {
      name: 'track to a websocket',
      room: ROOM,
      start: (s) =>
        s.client.startTrackEgress(
          ROOM,
          rig?.pcmUrl ?? '',
          s.bots[1]?.publications.audio?.sid ?? '',
        ),
      ...websocketPcm(() => rig),
    },
  ];

  async function runFlow(flow: Flow): Promise<FlowRun> {
    const s = stack;
    assert.ok(s);
    const started = await flow.start(s);
    let listedWhileActive: FlowRun['listedWhileActive'] | undefined;
    const recorded = await recordEgress(s.client, started.egressId, {
      recordSec: RECORD_SEC,
      whileActive: async () => {
        listedWhileActive = {
          byId: await getEgress(s.client, started.egressId),
          activeInRoom: await listedIds(s, flow.room, true),
        };
      },
    });
    assert.ok(listedWhileActive);
    const listedAfter = {
      byId: await getEgress(s.client, started.egressId),
      inRoom: await listedIds(s, flow.room, false),
      activeInRoom: await listedIds(s, flow.room, true),
    };
    const secondStop = await s.client.stopEgress(started.egressId).then(
      (info) => info,
      (err: unknown) => err,
    );
    const outputPath = await flow.outputPath(recorded.ended);
    return { started, listedWhileActive, recorded, listedAfter, secondStop, outputPath };
  }

  before(async () => {
    rig = await startRequestTypeRig({ redisDb: REDIS_DB, room: ROOM });
    stack = rig.stack;
    await runs.runAll(flows, runFlow);
  });

  after(async () => {
    await rig?.close(runs.hasFailure);
  });

  const runOf = (name: string) => runs.get(name);

  for (const flow of flows) {
    describe(flow.name, () => {
      it('answers STARTING, then goes ACTIVE, ENDING on stop and COMPLETE', () => {
        const run = runOf(flow.name);
        assert.equal(statusName(run.started.status), 'EGRESS_STARTING');
        assert.equal(run.started.roomName, flow.room);
        assert.equal(statusName(run.recorded.active.status), 'EGRESS_ACTIVE');
        assert.equal(statusName(run.recorded.stopped.status), 'EGRESS_ENDING');
        const { ended } = run.recorded;
        assert.equal(statusName(ended.status), 'EGRESS_COMPLETE', ended.error);
        assert.ok(ended.endedAt > 0n, 'no ended_at');
      });

      it('is listed by id and active in its room while recording', () => {
        const { listedWhileActive: seen, started } = runOf(flow.name);
        assert.equal(statusName(seen.byId.status), 'EGRESS_ACTIVE');
        assert.ok(seen.activeInRoom.includes(started.egressId), 'not in the active list');
      });

      it('is listed COMPLETE by id and by room, and no longer as active, after it ended', () => {
        const { listedAfter: seen, started } = runOf(flow.name);
        assert.equal(statusName(seen.byId.status), 'EGRESS_COMPLETE');
        assert.ok(seen.inRoom.includes(started.egressId), 'not listed by room');
        assert.ok(!seen.activeInRoom.includes(started.egressId), 'still listed as active');
      });

      it('refuses a stop after it ended with failed_precondition', () => {
        const { secondStop } = runOf(flow.name);
        assert.ok(secondStop instanceof Error, 'the second stop succeeded');
        assert.equal((secondStop as Error & { code?: string }).code, 'failed_precondition');
        assert.equal(secondStop.message, 'egress with status EGRESS_COMPLETE cannot be stopped');
      });

      itWritesExpectedMedia(flow.want, () => {
        const { outputPath, recorded } = runOf(flow.name);
        return { outputPath, ended: recorded.ended, recordedSec: recorded.recordedSec };
      });
    });
  }
});
