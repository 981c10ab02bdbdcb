import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DirectFileOutput,
  type EgressInfo,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptions,
  FileOutput,
  Output,
  StartEgressRequest,
  TemplateSource,
} from 'livekit-server-sdk';
import type { EgressStack } from '../demo/egress-stack.js';
import { getEgress, statusName } from '../demo/egress-watch.js';
import { type OutputExpectation, outputMismatches } from '../demo/expectations.js';
import { type PcmReceiver, startPcmReceiver } from '../demo/pcm-receiver.js';
import { probeOutput } from '../demo/probe-output.js';
import { flowSkipReason } from './flow-env.js';
import { FlowRuns } from './flow-runs.js';
import { type FlowStack, startFlowStack } from './flow-stack.js';
import { type LayoutPageServer, startLayoutPageServer } from './layout-page-server.js';
import { durationMismatch, type RecordedEgress, recordEgress } from './record-egress.js';

// Every request type through the Twirp door with livekit-server-sdk's EgressClient, against the
// whole system as child processes (test SFU with bots, bridge, composite and track workers):
// each egress goes STARTING → ACTIVE → stop (ENDING) → COMPLETE, is listed by id, by room and
// active-only before and after it ends, refuses a second stop, and its output is probed.
const ROOM = 'e2e-twirp-requests';
const REDIS_DB = 16;
const RECORD_SEC = 4;
const SMALL = new EncodingOptions({
  width: 640,
  height: 360,
  framerate: 30,
  videoBitrate: 1200,
  audioBitrate: 96,
  audioFrequency: 48_000,
});

/** Every composite output: H.264 and AAC, with the bots' or the page's tone in it. */
const COMPOSITE_MEDIA: OutputExpectation = {
  videoCodec: 'h264',
  audioCodec: 'aac',
  minMeanVolumeDb: -50,
};

/** One request type's run, and what its output must be. */
interface Flow {
  name: string;
  /** Its room; a web egress has none, so it is looked for in List without a room. */
  room: string;
  start: (stack: EgressStack) => Promise<EgressInfo>;
  /** Where the output can be probed once it ended. */
  outputPath: (ended: EgressInfo) => Promise<string>;
  want: OutputExpectation;
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

function fileLocation(ended: EgressInfo): Promise<string> {
  return Promise.resolve(ended.fileResults[0]?.location ?? '');
}

async function listedIds(stack: EgressStack, room: string, active: boolean): Promise<string[]> {
  const listed = await stack.client.listEgress({ ...(room ? { roomName: room } : {}), active });
  return listed.map((i) => i.egressId);
}

describe('every request type through the Twirp door', { skip: flowSkipReason() }, () => {
  let flowStack: FlowStack | undefined;
  let stack: EgressStack | undefined;
  let page: LayoutPageServer | undefined;
  let pcm: PcmReceiver | undefined;
  const runs = new FlowRuns<FlowRun>();

  const flows: Flow[] = [
    {
      name: 'room composite',
      room: ROOM,
      start: (s) =>
        s.client.startRoomCompositeEgress(
          ROOM,
          { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'room.mp4' }) },
          { layout: 'grid-dark', encodingOptions: SMALL },
        ),
      outputPath: fileLocation,
      want: { ...COMPOSITE_MEDIA, width: 640, height: 360 },
    },
    {
      name: 'web',
      room: '',
      start: (s) =>
        s.client.startWebEgress(
          page?.url ?? '',
          { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'web.mp4' }) },
          { encodingOptions: SMALL, awaitStartSignal: true },
        ),
      outputPath: fileLocation,
      want: { ...COMPOSITE_MEDIA, width: 640, height: 360 },
    },
    {
      name: 'v2 StartEgress from a template source',
      room: ROOM,
      start: (s) =>
        s.client.startEgress(
          new StartEgressRequest({
            roomName: ROOM,
            source: { case: 'template', value: new TemplateSource({ layout: 'speaker-light' }) },
            encoding: { case: 'advanced', value: SMALL },
            outputs: [
              new Output({
                config: {
                  case: 'file',
                  value: new FileOutput({ fileType: EncodedFileType.MP4, filepath: 'v2.mp4' }),
                },
              }),
            ],
          }),
        ),
      outputPath: fileLocation,
      want: { ...COMPOSITE_MEDIA, width: 640, height: 360 },
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
            encodingOptions: SMALL,
          },
        ),
      outputPath: fileLocation,
      want: { ...COMPOSITE_MEDIA, width: 640, height: 360 },
    },
    {
      name: 'participant',
      room: ROOM,
      start: (s) =>
        s.client.startParticipantEgress(
          ROOM,
          'bob',
          { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'bob.mp4' }) },
          { encodingOptions: SMALL },
        ),
      outputPath: fileLocation,
      want: { ...COMPOSITE_MEDIA, width: 640, height: 360 },
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
        s.client.startTrackEgress(ROOM, pcm?.url ?? '', s.bots[1]?.publications.audio?.sid ?? ''),
      outputPath: async () => {
        const wav = join(flowStack?.outputDir ?? '', 'track.wav');
        await pcm?.ended();
        await pcm?.save(wav);
        return wav;
      },
      want: { sampleRate: 48_000, channels: 2, minMeanVolumeDb: -50 },
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
    page = await startLayoutPageServer();
    pcm = await startPcmReceiver();
    flowStack = await startFlowStack({
      redisDb: REDIS_DB,
      room: ROOM,
      bots: [
        { identity: 'alice', kind: 'audio-video', toneHz: 440 },
        { identity: 'bob', kind: 'audio-video', toneHz: 660 },
      ],
      // Two cores: one CPU per Chromium egress, so two of the three run at once and the third
      // waits in the queue for a free slot; the four SDK egresses fit the track worker at once.
      config: {
        cpu_cost: `{ ${[
          'max_cpu_utilization: 1',
          'room_composite_cpu_cost: 1',
          'web_cpu_cost: 1',
          'participant_cpu_cost: 0.25',
          'track_composite_cpu_cost: 0.25',
          'track_cpu_cost: 0.25',
        ].join(', ')} }`,
      },
    });
    stack = flowStack.stack;
    await runs.runAll(flows, runFlow);
  });

  after(async () => {
    await flowStack?.close(runs.hasFailure);
    await pcm?.close();
    await page?.close();
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

      it('writes the expected media, as long as it reports', async () => {
        const run = runOf(flow.name);
        const probe = await probeOutput(run.outputPath);
        assert.deepEqual(outputMismatches(probe, flow.want), [], run.outputPath);
        const { ended, recordedSec } = run.recorded;
        assert.equal(durationMismatch(probe.durationSec, ended, recordedSec), undefined);
      });
    });
  }
});
