import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type S3rverEmulator, startS3rver } from '@egress/storage/testing';
import type { EgressInfo } from 'livekit-server-sdk';
import type { EgressStack } from '../demo/egress-stack.js';
import { isEnded, RecordingClock, statusName, waitForEgress } from '../demo/egress-watch.js';
import { type OutputProbe, probeOutput } from '../demo/probe-output.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { stackOutput } from '../test-stack.js';
import { recordFor, startAudioFileEgress, startTrackDrillStack } from './drill-support.js';

// Drill: storage down while a recording uploads. Three track egresses record at once to the
// configured S3 storage (s3rver), with a second s3rver as `backup`; each is stopped under worse
// storage trouble:
// 1. the primary drops the upload and is back half a second later: retries land it there;
// 2. the primary stays down: the file goes to the backup (`backup_storage_used`);
// 3. both are down: FAILED, the error names the local file, which is kept and plays.
const ROOM = 'drill-storage-down';
const REDIS_DB = 24;
const BUCKET = 'drill';

function s3Block(s3: S3rverEmulator): string {
  const c = s3.config(BUCKET);
  // About 4 s of retries (0.25 + 0.5 + 1 + 1 + 1 s between six attempts).
  return `{ s3: { access_key: ${c.accessKey}, secret: ${c.secret}, region: ${c.region}, endpoint: "${c.endpoint}", bucket: ${BUCKET}, force_path_style: true, max_retries: 6, min_retry_delay: 250ms, max_retry_delay: 1s } }`;
}

/** Downloads an object of an s3rver (it serves anonymous GETs) and probes it. */
async function probeObject(s3: S3rverEmulator, key: string, dir: string): Promise<OutputProbe> {
  const res = await fetch(`${s3.endpoint}/${BUCKET}/${key}`);
  assert.equal(res.status, 200, `GET ${key} from ${s3.endpoint}`);
  const path = join(dir, `${s3.port}-${key.replaceAll('/', '_')}`);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return probeOutput(path);
}

describe('drill: storage down during upload', { skip: skipWithoutTestNetwork() }, () => {
  let outputDir: string;
  let primary: S3rverEmulator | undefined;
  let backup: S3rverEmulator | undefined;
  let stack: EgressStack | undefined;
  const ended: EgressInfo[] = [];
  let keptPath = '';

  before(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'drill-storage-down-'));
    primary = await startS3rver({ buckets: [BUCKET] });
    backup = await startS3rver({ buckets: [BUCKET] });
    stack = await startTrackDrillStack({
      redisDb: REDIS_DB,
      outputDir,
      room: ROOM,
      config: { storage: s3Block(primary), backup: s3Block(backup) },
    });
    const clock = new RecordingClock();
    const running: EgressInfo[] = [];
    for (const name of ['retried', 'backed-up', 'kept']) {
      running.push(await startAudioFileEgress(stack, ROOM, `${name}.ogg`, clock));
    }
    await recordFor(clock, running.at(-1)?.egressId ?? '', 2);
    const stopAndWait = async (info: EgressInfo | undefined) => {
      assert.ok(stack && info);
      await stack.client.stopEgress(info.egressId);
      const done = await waitForEgress(stack.client, info.egressId, {
        until: isEnded,
        deadlineMs: 60_000,
      });
      ended.push(done);
    };
    const [retried, backedUp, kept] = running;

    const upload = primary.waitForRequest((method, url) => method === 'PUT' && /retried/.test(url));
    const stopping = stopAndWait(retried);
    await upload;
    await primary.stop();
    await sleep(500);
    await primary.restart();
    await stopping;

    await primary.stop();
    await stopAndWait(backedUp);

    await backup.stop();
    await stopAndWait(kept);
    keptPath = /the recording is kept at (\S+)$/.exec(ended[2]?.error ?? '')?.[1] ?? '';
    // Back up, with their data, to read what landed there.
    await primary.restart();
    await backup.restart();
  });

  after(async () => {
    const output = stackOutput(stack);
    await stack?.close();
    await primary?.close();
    await backup?.close();
    // The kept recording lies in the worker's tmp folder, outside outputDir.
    if (keptPath) await rm(dirname(keptPath), { recursive: true, force: true });
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
    if (ended.length < 3 && output) process.stderr.write(`${output}\n`);
  });

  it('retries an upload the primary dropped and lands it there', async () => {
    const [retried] = ended;
    assert.ok(retried && primary);
    assert.equal(statusName(retried.status), 'EGRESS_COMPLETE', retried.error);
    assert.equal(retried.backupStorageUsed, false);
    const probe = await probeObject(primary, retried.fileResults[0]?.filename ?? '', outputDir);
    assert.equal(probe.audioCodec, 'opus');
    assert.ok(probe.durationSec >= 2, `file ${probe.durationSec} s`);
  });

  it('uploads to the backup storage while the primary is down', async () => {
    const backedUp = ended[1];
    assert.ok(backedUp && backup);
    assert.equal(statusName(backedUp.status), 'EGRESS_COMPLETE', backedUp.error);
    assert.equal(backedUp.backupStorageUsed, true);
    const probe = await probeObject(backup, backedUp.fileResults[0]?.filename ?? '', outputDir);
    assert.equal(probe.audioCodec, 'opus');
    assert.ok(probe.durationSec >= 2, `file ${probe.durationSec} s`);
  });

  it('fails naming the kept local file when every storage is down, and the file plays', async () => {
    const kept = ended[2];
    assert.ok(kept);
    assert.equal(statusName(kept.status), 'EGRESS_FAILED');
    assert.match(kept.error, /upload failed/);
    assert.ok(keptPath, `no local path in "${kept.error}"`);
    assert.ok((await stat(keptPath)).size > 0);
    const probe = await probeOutput(keptPath);
    assert.equal(probe.audioCodec, 'opus');
    assert.ok(probe.durationSec >= 2, `file ${probe.durationSec} s`);
  });
});
