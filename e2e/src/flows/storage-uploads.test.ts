import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
import { parse as parseYaml } from 'yaml';
import type { AppProcess } from '../demo/app-process.js';
import type { EgressStack } from '../demo/egress-stack.js';
import { statusName } from '../demo/egress-watch.js';
import { outputMismatches } from '../demo/expectations.js';
import { type OutputProbe, probeOutput } from '../demo/probe-output.js';
import { skipWithoutTestNetwork } from '../test-env.js';
import { startTestStack, type TestStack } from '../test-stack.js';
import { FlowRuns } from './flow-runs.js';
import { durationMismatch, type RecordedEgress, recordEgress } from './record-egress.js';

// Uploads to each storage emulator of packages/storage, end to end through the Twirp door, as
// users configure them: every service starts with the Go egress README's config form (its
// example block in our README, values filled in: `local_directory` and a top-level `s3`), and a
// track egress of the bot's audio goes to S3 (s3rver) from it; then to S3 from the request's `s3`
// block; then a track worker started in the first one's place takes the queue with a top-level
// `azure` (Azurite), one with a top-level `gcp` (the GCS JSON-API fake) and one with the current
// `storage` form. Emulator endpoints are our keys (`endpoint`, `api_endpoint`): a request's
// `azure` and `gcp` blocks have none, so those uploads come from config. Each object is
// downloaded and probed, and each worker is seen writing below `local_directory`.
const ROOM = 'e2e-storage-uploads';
const REDIS_DB = 19;
const RECORD_SEC = 3;
const BUCKET = 'egress-e2e';

/** The Go-form example of the README's configuration section: `local_directory` and `s3`. */
async function readmeGoFormExample(): Promise<Record<string, unknown>> {
  const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
  const block = /```yaml\n(# the Go egress README's form[^`]*)```/.exec(readme)?.[1];
  assert.ok(block, "README: no yaml block that starts with # the Go egress README's form");
  return parseYaml(block) as Record<string, unknown>;
}

/** One emulator's upload: how to ask for it and how to read the object back. */
interface Target {
  name: 's3' | 's3-request' | 'azure' | 'gcs' | 'azure-storage';
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
  /** Whether a folder of the egress showed up in `local_directory` while it recorded. */
  usedLocalDirectory: boolean;
}

function yamlBlock(values: Record<string, unknown>): string {
  const fields = Object.entries(values).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `{ ${fields.join(', ')} }`;
}

describe('uploads to each storage emulator', { skip: skipWithoutTestNetwork() }, () => {
  let flowStack: TestStack | undefined;
  let stack: EgressStack | undefined;
  let s3: S3rverEmulator | undefined;
  let azure: AzuriteEmulator | undefined;
  let gcs: GcsFakeServer | undefined;
  let localDirectory = '';
  let trackWorker: AppProcess | undefined;
  const uploads = new FlowRuns<Upload>();

  /**
   * Records the bot's audio (OGG) to `target`, downloads the object and probes it, watching
   * `local_directory` for the egress's working folder meanwhile.
   */
  async function upload(target: Target): Promise<Upload> {
    const s = stack;
    assert.ok(s);
    const output = new DirectFileOutput({ filepath: `${target.name}/{track_id}.ogg` });
    if (target.s3Upload) output.output = { case: 's3', value: target.s3Upload };
    const trackId = s.bots[0]?.publications.audio?.sid ?? '';
    const started = await s.client.startTrackEgress(ROOM, output, trackId);
    let usedLocalDirectory = false;
    const watch = setInterval(() => {
      readdir(localDirectory)
        .then((names) => {
          if (names.some((n) => n.startsWith(started.egressId))) usedLocalDirectory = true;
        })
        .catch(() => {}); // not there yet: the worker creates it with the first egress
    }, 100);
    const recorded = await recordEgress(s.client, started.egressId, {
      recordSec: RECORD_SEC,
    }).finally(() => clearInterval(watch));
    const location = recorded.ended.fileResults[0]?.location ?? '';
    assert.ok(
      location.startsWith(target.locationPrefix),
      `location ${location}, want ${target.locationPrefix}...`,
    );
    const key = location.slice(target.locationPrefix.length);
    const local = join(flowStack?.outputDir ?? '', `${target.name}.ogg`);
    await writeFile(local, await target.download(key));
    return { recorded, key, probe: await probeOutput(local), usedLocalDirectory };
  }

  /** Replaces the track worker with one whose config has `config`'s top-level keys. */
  async function replaceTrackWorker(config: Record<string, string>): Promise<void> {
    assert.ok(stack);
    await trackWorker?.stop();
    trackWorker = await stack.startWorker('track-worker', config);
  }

  before(async () => {
    [s3, azure, gcs] = await Promise.all([
      startS3rver({ buckets: [BUCKET] }),
      startAzurite({ containers: [BUCKET] }),
      startGcsFakeServer({ buckets: [BUCKET] }),
    ]);
    const s3Config = s3.config(BUCKET);
    const azureConfig = azure.config(BUCKET);
    const azureBlock = yamlBlock({
      account_name: azureConfig.accountName,
      account_key: azureConfig.accountKey,
      container_name: azureConfig.containerName,
      endpoint: azureConfig.endpoint ?? '',
    });
    const example = await readmeGoFormExample();
    assert.deepEqual(Object.keys(example).sort(), ['local_directory', 's3']);
    localDirectory = join(await mkdtemp(join(tmpdir(), 'e2e-storage-')), 'output');
    const s3Block = yamlBlock({
      ...(example.s3 as Record<string, unknown>),
      access_key: s3Config.accessKey,
      secret: s3Config.secret,
      region: s3Config.region,
      endpoint: s3Config.endpoint,
      bucket: BUCKET,
      force_path_style: true, // s3rver serves buckets by path
    });
    flowStack = await startTestStack({
      redisDb: REDIS_DB,
      room: ROOM,
      // Every service loads the README's form; the composite worker only has to start with it.
      workers: ['composite-worker', 'track-worker'],
      bots: [{ identity: 'alice', kind: 'audio', toneHz: 440 }],
      config: {
        local_directory: JSON.stringify(localDirectory),
        s3: s3Block,
        warm_pool_size: '0',
      },
    });
    stack = flowStack.stack;
    trackWorker = stack.apps.find((a) => a.app === 'track-worker');
    const s3Download = async (key: string) => {
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
    };
    const s3Prefix = `${s3.endpoint}/${BUCKET}/`;
    await uploads.runAll(
      [
        { name: 's3', locationPrefix: s3Prefix, download: s3Download },
        {
          name: 's3-request',
          s3Upload: new S3Upload({
            accessKey: s3Config.accessKey ?? '',
            secret: s3Config.secret ?? '',
            region: s3Config.region ?? '',
            endpoint: s3Config.endpoint ?? '',
            bucket: BUCKET,
            forcePathStyle: true,
          }),
          locationPrefix: s3Prefix,
          download: s3Download,
        },
      ],
      upload,
    );
    const container = azure.serviceClient().getContainerClient(BUCKET);
    const azureTarget = (name: Target['name']): Target => ({
      name,
      locationPrefix: `${azure?.endpoint}/${BUCKET}/`,
      download: (key) => container.getBlobClient(key).downloadToBuffer(),
    });
    const gcsFake = gcs;
    // One worker at a time takes the queue, each with another upload target in its config.
    const workerTargets: Array<[Record<string, string>, Target]> = [
      [{ s3: '~', azure: azureBlock }, azureTarget('azure')],
      [
        { s3: '~', gcp: yamlBlock({ bucket: BUCKET, api_endpoint: gcsFake.apiEndpoint }) },
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
      [{ s3: '~', storage: `{ azure: ${azureBlock} }` }, azureTarget('azure-storage')],
    ];
    for (const [config, target] of workerTargets) {
      await replaceTrackWorker(config);
      await uploads.runAll([target], upload);
    }
  });

  after(async () => {
    await flowStack?.close(uploads.hasFailure);
    await Promise.all([s3?.close(), azure?.close(), gcs?.close()]);
    if (localDirectory) await rm(dirname(localDirectory), { recursive: true, force: true });
  });

  const targets: Array<[Target['name'], string]> = [
    ['s3', 'to S3 (s3rver) from the README’s Go-form config (top-level s3)'],
    ['s3-request', 'to S3 (s3rver) from the request’s s3 block'],
    ['azure', 'to Azure (Azurite) from a top-level azure block'],
    ['gcs', 'to GCS (the fake) from a top-level gcp block'],
    ['azure-storage', 'to Azure (Azurite) from the worker’s storage block'],
  ];
  for (const [name, title] of targets) {
    it(`uploads ${title}: COMPLETE, at its location, playable, via local_directory`, () => {
      const { recorded, key, probe, usedLocalDirectory } = uploads.get(name);
      const { ended } = recorded;
      assert.equal(statusName(ended.status), 'EGRESS_COMPLETE', ended.error);
      assert.match(key, new RegExp(`^${name}/TR_\\w+\\.ogg$`));
      assert.ok((ended.fileResults[0]?.size ?? 0n) > 0n, 'no size reported');
      assert.deepEqual(outputMismatches(probe, { audioCodec: 'opus', minMeanVolumeDb: -50 }), []);
      assert.equal(durationMismatch(probe.durationSec, ended, recorded.recordedSec), undefined);
      assert.ok(usedLocalDirectory, `no folder of ${ended.egressId} in ${localDirectory}`);
    });
  }
});
