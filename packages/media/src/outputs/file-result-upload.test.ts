import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createEgressInfo,
  createLogger,
  encodeJobPayload,
  msToNs,
  newEgressId,
} from '@egress/protocol';
import {
  EncodedFileOutput,
  EncodedFileType,
  FileInfo,
  TrackCompositeEgressRequest,
} from '@livekit/protocol';
import { salvageLeftFile, uploadFileResult } from './file-result-upload.js';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('uploadFileResult and salvageLeftFile', () => {
  let dir: string;
  let storeDir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-result-'));
    storeDir = join(dir, 'store');
    await mkdir(storeDir);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const config = () => ({ storage: undefined, backup: undefined, localOutputDir: storeDir });

  const egressOf = () => {
    const egressId = newEgressId();
    const request = {
      case: 'trackComposite' as const,
      value: new TrackCompositeEgressRequest({
        roomName: 'room',
        audioTrackId: 'TR_a',
        fileOutputs: [
          new EncodedFileOutput({ fileType: EncodedFileType.OGG, filepath: 'out/rec.ogg' }),
        ],
      }),
    };
    const info = createEgressInfo({ egressId, request, nowMs: Date.now() });
    // as the egress left it: recording for 5 s (createEgressInfo may have named the result)
    const file = info.fileResults[0] ?? new FileInfo({ filename: 'out/rec.ogg' });
    if (info.fileResults.length === 0) info.fileResults.push(file);
    file.startedAt = msToNs(Date.now() - 5000);
    info.result = { case: 'file', value: file };
    const payload = encodeJobPayload({
      request,
      info,
      wsUrl: 'ws://sfu',
      cpuCost: 1,
      startDeadlineMs: Date.now() + 60_000,
    });
    return { info, payload };
  };

  it('names an uploaded file in the first file result and the legacy result', async () => {
    const { info } = egressOf();
    const localPath = join(dir, 'a.ogg');
    await writeFile(localPath, 'recorded');
    const endedAtMs = Date.now();
    const done = await uploadFileResult({
      info,
      file: { localPath, storagePath: 'out/rec.ogg' },
      config: config(),
      upload: undefined,
      logger,
      endedAtMs,
      durationMs: 4000,
    });
    assert.equal(done.error, undefined);
    const result = done.info.fileResults[0];
    assert.equal(result?.filename, 'out/rec.ogg');
    assert.equal(result?.size, 8n);
    assert.equal(result?.endedAt, msToNs(endedAtMs));
    assert.equal(result?.duration, msToNs(4000));
    assert.ok(result?.location);
    assert.equal(done.info.result.case === 'file' && done.info.result.value, result);
    assert.equal(await readFile(join(storeDir, 'out/rec.ogg'), 'utf8'), 'recorded');
    assert.equal(info.fileResults[0]?.size, 0n, 'the given info is left as it was');
  });

  it('returns the error beside the named info when the upload fails', async () => {
    const { info } = egressOf();
    const done = await uploadFileResult({
      info,
      file: { localPath: join(dir, 'missing.ogg'), storagePath: 'out/rec.ogg' },
      config: config(),
      upload: undefined,
      logger,
      endedAtMs: Date.now(),
    });
    assert.ok(done.error);
    assert.ok((done.info.fileResults[0]?.duration ?? 0n) > 0n, 'duration from startedAt');
    assert.equal(done.info.fileResults[0]?.location, '');
  });

  it('uploads what a dead egress left and removes its folder; leaves an empty file alone', async () => {
    const { info, payload } = egressOf();
    const tmpDir = join(dir, payload.egressId);
    await mkdir(tmpDir);
    const localPath = join(tmpDir, 'rec.ogg');
    await writeFile(localPath, '');
    const file = { localPath, storagePath: 'out/dead.ogg' };
    const untouched = await salvageLeftFile({
      payload,
      info,
      file,
      config: config(),
      logger,
      tmpDir,
    });
    assert.equal(untouched, info);

    await writeFile(localPath, 'partial');
    const salvaged = await salvageLeftFile({
      payload,
      info,
      file,
      config: config(),
      logger,
      tmpDir,
    });
    assert.equal(salvaged.fileResults[0]?.filename, 'out/dead.ogg');
    assert.equal(salvaged.fileResults[0]?.size, 7n);
    assert.ok((salvaged.fileResults[0]?.endedAt ?? 0n) > 0n);
    assert.ok((salvaged.fileResults[0]?.duration ?? 0n) > 0n);
    assert.equal(existsSync(tmpDir), false);
  });
});
