import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Config,
  controlReplyResult,
  createEgressInfo,
  createLogger,
  type EgressRequest,
  egressCapacityKey,
  egressControlChannel,
  egressReplyChannel,
  encodeControlMessage,
  encodeJobPayload,
  loadConfig,
  newEgressId,
  parseControlReply,
  parseWorkerCapacity,
  parseWorkerStatus,
  QUEUE_NAMES,
} from '@egress/protocol';
import { startTestRedis, type TestRedis } from '@egress/protocol/testing';
import { type Bot, type BotStep, startBot, startTestSfu, type TestSfu } from '@egress/test-sfu';
import {
  DirectFileOutput,
  type EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  TrackCompositeEgressRequest,
  TrackEgressRequest,
} from '@livekit/protocol';
import { dispose } from '@livekit/rtc-node';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { CELL_CRASHED_MESSAGE } from './cell-pool.js';
import { probeAudioFile } from './testing/probe-audio-file.js';
import { probeVideoFile } from './testing/probe-video-file.js';
import { DEADLINE_MESSAGE, startTrackWorker, type TrackWorker } from './track-worker.js';

// Real Redis, BullMQ, test SFU, GStreamer and ffprobe.
const apiKey = 'track-worker-key';
const apiSecret = 'track-worker-secret-track-worker-secret';
const logger = createLogger({
  service: 'track-worker-test',
  level: process.env.LOG_LEVEL ?? 'silent',
});
const prefix = `test-${randomUUID()}`;

describe('track worker', { timeout: 240_000 }, () => {
  let redis: TestRedis;
  let sfu: TestSfu;
  let root: string;
  let outDir: string;
  let config: Config;
  let client: Redis;
  let queue: Queue;
  let events: QueueEvents;
  let eventsClient: Redis;
  let worker: TrackWorker;
  const bots: Bot[] = [];
  const progress = new Map<string, EgressStatus[]>();

  before(async () => {
    redis = await startTestRedis({ url: process.env.EGRESS_TEST_REDIS_URL });
    sfu = await startTestSfu({ apiKey, apiSecret });
    root = await mkdtemp(join(tmpdir(), 'track-worker-'));
    outDir = join(root, 'out');
    const url = new URL(redis.url);
    const yaml = [
      `api_key: ${apiKey}`,
      `api_secret: ${apiSecret}`,
      `ws_url: ${sfu.url}`,
      'redis:',
      `  address: ${url.hostname}:${url.port || '6379'}`,
      ...(url.pathname.length > 1 ? [`  db: ${Number(url.pathname.slice(1))}`] : []),
      `local_output_dir: ${outDir}`,
    ].join('\n');
    config = loadConfig({ EGRESS_CONFIG_BODY: yaml }, { onWarning: () => undefined });
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE_NAMES.track, { connection: client, prefix });
    eventsClient = client.duplicate();
    events = new QueueEvents(QUEUE_NAMES.track, { connection: eventsClient, prefix });
    events.on('progress', ({ jobId, data }) => {
      const list = progress.get(jobId) ?? [];
      list.push(parseWorkerStatus(data).status);
      progress.set(jobId, list);
    });
    await events.waitUntilReady();
    worker = await startTrackWorker({
      config,
      logger,
      prefix,
      tmpRoot: join(root, 'tmp'),
      trackWaitMs: 5000,
      // One egress per cell here, so the crash test can kill one egress's process alone.
      egressesPerCell: 1,
      cellIdleMs: 500,
    });
  });

  after(async () => {
    await worker?.close();
    for (const bot of bots) await bot.leave();
    await events?.close();
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    client?.disconnect();
    eventsClient?.disconnect();
    await sfu?.close();
    await redis?.close();
    await dispose();
    await rm(root, { recursive: true, force: true });
  });

  async function startAudioBot(script: BotStep[] = []) {
    const room = `room-${randomUUID()}`;
    const bot = await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'bot',
      kind: 'audio',
      script,
    });
    bots.push(bot);
    return { room, bot, trackId: bot.publications.audio?.sid ?? '' };
  }

  async function enqueue(request: EgressRequest, startDeadlineMs = Date.now() + 30_000) {
    const egressId = newEgressId();
    const info = createEgressInfo({ egressId, request });
    const payload = encodeJobPayload({
      request,
      info,
      wsUrl: sfu.url,
      cpuCost: 0.1,
      startDeadlineMs,
    });
    const job = await queue.add('track', payload, { jobId: egressId });
    return { egressId, job };
  }

  async function finished(job: Awaited<ReturnType<typeof enqueue>>['job']): Promise<EgressInfo> {
    return parseWorkerStatus(await job.waitUntilFinished(events, 120_000));
  }

  function fileRequest(room: string, trackId: string): EgressRequest {
    return {
      case: 'track',
      value: new TrackEgressRequest({
        roomName: room,
        trackId,
        output: { case: 'file', value: new DirectFileOutput({ filepath: 'rec/{track_id}' }) },
      }),
    };
  }

  async function sendStop(egressId: string): Promise<EgressInfo> {
    const requestId = randomUUID();
    const replyTo = egressReplyChannel(requestId);
    const sub = client.duplicate();
    try {
      await sub.subscribe(replyTo);
      const reply = once(sub, 'message');
      const message = encodeControlMessage({ type: 'stop', requestId, replyTo, egressId });
      let isReplied = false;
      const republish = (async () => {
        while (!isReplied) {
          await client.publish(egressControlChannel(egressId), message);
          await sleep(250);
        }
      })();
      const [, raw] = (await reply) as [string, string];
      isReplied = true;
      await republish;
      return controlReplyResult(parseControlReply(raw));
    } finally {
      sub.disconnect();
    }
  }

  it('records a track until it is unpublished and copies the file to local_output_dir', async () => {
    const { room, trackId, bot } = await startAudioBot();
    const { egressId, job } = await enqueue(fileRequest(room, trackId));
    await waitActive(egressId);
    await sleep(2500);
    await bot.unpublish('audio');
    const info = await finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_COMPLETE', info.error);
    assert.equal(info.details, 'End reason: Source closed');
    assert.deepEqual(progress.get(egressId), [
      EgressStatus.EGRESS_ACTIVE,
      EgressStatus.EGRESS_ENDING,
      EgressStatus.EGRESS_COMPLETE,
    ]);
    const file = info.fileResults[0];
    assert.ok(file);
    assert.match(file.filename, new RegExp(`^rec/${trackId}\\.ogg$`));
    assert.ok(file.size > 0n);
    assert.ok(file.duration > 1_000_000_000n, `duration ${file.duration}`);
    assert.equal(info.result.case, 'file');
    const local = join(outDir, file.filename);
    assert.equal((await stat(local)).size, Number(file.size));
    const probe = await probeAudioFile(local);
    assert.equal(probe.codec, 'opus');
    assert.ok(Math.abs(probe.durationSec - Number(file.duration) / 1e9) < 0.1);
  });

  it('stops on a stop control message: ENDING in the reply, then COMPLETE', async () => {
    const { room, trackId } = await startAudioBot();
    const { egressId, job } = await enqueue(fileRequest(room, trackId));
    await waitActive(egressId);
    await sleep(1500);
    const capacity = parseWorkerCapacity(
      await client.get(egressCapacityKey('track', worker.workerId)),
    );
    assert.equal(capacity.pool, 'track');
    assert.ok(capacity.activeEgressIds.includes(egressId));
    const replied = await sendStop(egressId);
    assert.equal(EgressStatus[replied.status], 'EGRESS_ENDING');
    const info = await finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_COMPLETE', info.error);
    assert.equal(info.details, 'End reason: StopEgress API');
    assert.ok((info.fileResults[0]?.size ?? 0n) > 0n);
  });

  it('fails with 404 when the track does not appear', async () => {
    const { room } = await startAudioBot();
    const { job } = await enqueue(fileRequest(room, 'TR_nothere'));
    const info = await finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_FAILED');
    assert.equal(info.error, 'track TR_nothere not found');
    assert.equal(info.errorCode, 404);
  });

  it('aborts a job that reaches it after its start deadline', async () => {
    const { room, trackId } = await startAudioBot();
    const { job } = await enqueue(fileRequest(room, trackId), Date.now() - 1);
    const info = await finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_ABORTED');
    assert.equal(info.error, DEADLINE_MESSAGE);
  });

  async function waitActive(egressId: string): Promise<void> {
    for (let i = 0; i < 300 && !progress.get(egressId)?.includes(EgressStatus.EGRESS_ACTIVE); i++) {
      await sleep(100);
    }
  }

  it('keeps other recordings going and the crashed one playable when a cell process dies', async () => {
    const a = await startAudioBot();
    const b = await startAudioBot();
    const first = await enqueue(fileRequest(a.room, a.trackId));
    const second = await enqueue(fileRequest(b.room, b.trackId));
    await waitActive(first.egressId);
    await waitActive(second.egressId);
    await sleep(2000);
    const pid = worker.pidOf(first.egressId);
    assert.ok(pid && pid !== worker.pidOf(second.egressId));
    process.kill(pid, 'SIGKILL');
    const crashed = await finished(first.job);
    assert.equal(EgressStatus[crashed.status], 'EGRESS_FAILED');
    assert.equal(crashed.error, CELL_CRASHED_MESSAGE);
    // The encoder child saw EOF on its stdin and finalized the file by itself; the worker
    // uploaded it (here: copied to local_output_dir) and named it in the FAILED info.
    const saved = crashed.fileResults[0];
    assert.ok(saved && saved.size > 0n, 'the crashed recording was not saved');
    assert.equal(saved.filename, `rec/${a.trackId}.ogg`);
    const probe = await probeAudioFile(join(outDir, saved.filename));
    assert.equal(probe.codec, 'opus');
    assert.ok(probe.durationSec > 1, `crashed recording lasts ${probe.durationSec} s`);

    await sleep(1000);
    await sendStop(second.egressId);
    const other = await finished(second.job);
    assert.equal(EgressStatus[other.status], 'EGRESS_COMPLETE', other.error);
    assert.ok((other.fileResults[0]?.duration ?? 0n) > 3_000_000_000n);
  });

  it('records a track composite of an audio and a video track to MP4 until stopped', async () => {
    const room = `room-${randomUUID()}`;
    const bot = await startBot({
      url: sfu.url,
      apiKey,
      apiSecret,
      room,
      identity: 'av',
      kind: 'audio-video',
    });
    bots.push(bot);
    const request: EgressRequest = {
      case: 'trackComposite',
      value: new TrackCompositeEgressRequest({
        roomName: room,
        audioTrackId: bot.publications.audio?.sid ?? '',
        videoTrackId: bot.publications.video?.sid ?? '',
        fileOutputs: [new EncodedFileOutput({ filepath: 'composite/{room_name}.mp4' })],
      }),
    };
    const { egressId, job } = await enqueue(request);
    await waitActive(egressId);
    await sleep(2500);
    await sendStop(egressId);
    const info = await finished(job);
    assert.equal(EgressStatus[info.status], 'EGRESS_COMPLETE', info.error);
    const file = info.fileResults[0];
    assert.equal(file?.filename, `composite/${room}.mp4`);
    const probe = await probeVideoFile(join(outDir, file?.filename ?? ''));
    assert.equal(probe.codec, 'h264');
    assert.ok(probe.durationSec > 1.5, `duration ${probe.durationSec}`);
  });
});
