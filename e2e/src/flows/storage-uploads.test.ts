import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { presignS3Get } from '@egress/storage';
import {
  type AzuriteEmulator,
  type GcsFakeServer,
  type S3rverEmulator,
  startAzurite,
  startGcsFakeServer,
  startS3rver,
} from '@egress/storage/testing';
import { DirectFileOutput, S3Upload } from 'livekit-server-sdk';
import type { EgressStack } from '../demo/egress-stack.js';
import { statusName } from '../demo/egress-watch.js';
import { outputMismatches } from '../demo/expectations.js';
import { type OutputProbe, probeOutput } from '../demo/probe-output.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { startTestStack, type TestStack } from '../test-stack.js';
import { FlowRuns } from './flow-runs.js';
import { durationMismatch, type RecordedEgress, recordEgress } from './record-egress.js';

// Uploads to each storage emulator of packages/storage, end to end through the Twirp door: a
// track egress of the bot's audio to S3 (s3rver) configured in the request's `s3` block, one to
// Azure (Azurite) from the track worker's `storage` config, and one to GCS (the JSON-API fake)
// from the config of a track worker started in its place (a request's `azure` and `gcp` blocks
// have no endpoint, so they cannot name an emulator). Each object is downloaded and probed.
const ROOM = 'e2e-storage-uploads';
const REDIS_DB = 19;
const RECORD_SEC = 3;
const BUCKET = 'egress-e2e';

/** One emulator's upload: how to ask for it and how to read the object back. */
interface Target {
  name: 's3' | 'azure' | 'gcs';
  /** The request's upload block, when the upload is configured per request. */
  s3Upload?: S3Upload;
  /** What each object's location starts with: `<endpoint>/<bucket>/`. */
  locationPrefix: string;
  download: (key: string) => Promise<Buffer>;
}

/** What one upload went through, and its object downloaded. */
interface Upload {
  recorded: RecordedEgress;
  key: string;
  probe: OutputProbe;
}

function yamlBlock(values: Record<string, string>): string {
  const fields = Object.entries(values).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `{ ${fields.join(', ')} }`;
}

describe('uploads to each storage emulator', { skip: skipWithoutTestNetwork() }, () => {
  let flowStack: TestStack | undefined;
  let stack: EgressStack | undefined;
  let s3: S3rverEmulator | undefined;
  let azure: AzuriteEmulator | undefined;
  let gcs: GcsFakeServer | undefined;
  const uploads = new FlowRuns<Upload>();

  /** Records the bot's audio (OGG) to `target`, downloads the object and probes it. */
  async function upload(target: Target): Promise<Upload> {
    const s = stack;
    assert.ok(s);
    const output = new DirectFileOutput({ filepath: `${target.name}/{track_id}.ogg` });
    if (target.s3Upload) output.output = { case: 's3', value: target.s3Upload };
    const trackId = s.bots[0]?.publications.audio?.sid ?? '';
    const started = await s.client.startTrackEgress(ROOM, output, trackId);
    const recorded = await recordEgress(s.client, started.egressId, { recordSec: RECORD_SEC });
    const location = recorded.ended.fileResults[0]?.location ?? '';
    assert.ok(
      location.startsWith(target.locationPrefix),
      `location ${location}, want ${target.locationPrefix}...`,
    );
    const key = location.slice(target.locationPrefix.length);
    const local = join(flowStack?.outputDir ?? '', `${target.name}.ogg`);
    await writeFile(local, await target.download(key));
    return { recorded, key, probe: await probeOutput(local) };
  }

  before(async () => {
    [s3, azure, gcs] = await Promise.all([
      startS3rver({ buckets: [BUCKET] }),
      startAzurite({ containers: [BUCKET] }),
      startGcsFakeServer({ buckets: [BUCKET] }),
    ]);
    const azureConfig = azure.config(BUCKET);
    const azureBlock = yamlBlock({
      account_name: azureConfig.accountName,
      account_key: azureConfig.accountKey,
      container_name: azureConfig.containerName,
      endpoint: azureConfig.endpoint ?? '',
    });
    flowStack = await startTestStack({
      redisDb: REDIS_DB,
      room: ROOM,
      workers: ['track-worker'],
      bots: [{ identity: 'alice', kind: 'audio', toneHz: 440 }],
      config: { storage: `{ azure: ${azureBlock} }` },
    });
    stack = flowStack.stack;
    const s3Config = s3.config(BUCKET);
    const container = azure.serviceClient().getContainerClient(BUCKET);
    await uploads.runAll(
      [
        {
          name: 's3',
          s3Upload: new S3Upload({
            accessKey: s3Config.accessKey ?? '',
            secret: s3Config.secret ?? '',
            region: s3Config.region ?? '',
            endpoint: s3Config.endpoint ?? '',
            bucket: BUCKET,
            forcePathStyle: true,
          }),
          locationPrefix: `${s3.endpoint}/${BUCKET}/`,
          download: async (key) => {
            const url = presignS3Get({
              bucket: BUCKET,
              key,
              region: s3Config.region ?? '',
              credentials: {
                accessKeyId: s3Config.accessKey ?? '',
                secretAccessKey: s3Config.secret ?? '',
              },
              expiresInSec: 600,
              endpoint: s3Config.endpoint ?? '',
              forcePathStyle: true,
            });
            const res = await fetch(url);
            assert.equal(res.status, 200, `GET ${key} from s3rver`);
            return Buffer.from(await res.arrayBuffer());
          },
        },
        {
          name: 'azure',
          locationPrefix: `${azure.endpoint}/${BUCKET}/`,
          download: (key) => container.getBlobClient(key).downloadToBuffer(),
        },
      ],
      upload,
    );
    // The GCS upload comes from another worker's config: the first one leaves, a second one
    // with `storage.gcp` takes the queue over.
    const gcsFake = gcs;
    await stack.apps.find((a) => a.app === 'track-worker')?.stop();
    await stack.startWorker('track-worker', {
      storage: `{ gcp: ${yamlBlock({ bucket: BUCKET, api_endpoint: gcsFake.apiEndpoint })} }`,
    });
    await uploads.runAll(
      [
        {
          name: 'gcs',
          locationPrefix: `${gcsFake.apiEndpoint}/${BUCKET}/`,
          download: async (key) => {
            const object = gcsFake.getObject(BUCKET, key);
            assert.ok(object, `no object ${key} in the GCS fake`);
            return object.data;
          },
        },
      ],
      upload,
    );
  });

  after(async () => {
    await flowStack?.close(uploads.hasFailure);
    await Promise.all([s3?.close(), azure?.close(), gcs?.close()]);
  });

  const targets: Array<[Target['name'], string]> = [
    ['s3', 'to S3 (s3rver) from the request’s s3 block'],
    ['azure', 'to Azure (Azurite) from the worker’s storage config'],
    ['gcs', 'to GCS (the fake) from the worker’s storage config'],
  ];
  for (const [name, title] of targets) {
    it(`uploads ${title}: COMPLETE, at its location, playable`, () => {
      const { recorded, key, probe } = uploads.get(name);
      const { ended } = recorded;
      assert.equal(statusName(ended.status), 'EGRESS_COMPLETE', ended.error);
      assert.match(key, new RegExp(`^${name}/TR_\\w+\\.ogg$`));
      assert.ok((ended.fileResults[0]?.size ?? 0n) > 0n, 'no size reported');
      assert.deepEqual(outputMismatches(probe, { audioCodec: 'opus', minMeanVolumeDb: -50 }), []);
      assert.equal(durationMismatch(probe.durationSec, ended, recorded.recordedSec), undefined);
    });
  }
});
