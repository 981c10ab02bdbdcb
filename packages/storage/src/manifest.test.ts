import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalUploader } from './local-uploader.js';
import {
  buildManifest,
  type ManifestInput,
  manifestJson,
  manifestStoragePath,
  uploadManifest,
} from './manifest.js';
import { RecordingUploader } from './recording-uploader.js';
import { captureLogger } from './testing/capture-logger.js';

describe('manifestJson', () => {
  const cases: { name: string; input: ManifestInput; want: string }[] = [
    {
      name: 'leaves out empty fields as Go omitempty does',
      input: { egressId: 'EG_1', roomName: '', files: [] },
      want: '{"egress_id":"EG_1"}\n',
    },
    {
      name: 'writes nanosecond times as exact integers',
      input: {
        egressId: 'EG_1',
        startedAtNs: 1_700_000_000_123_456_789n,
        endedAtNs: 1_700_000_060_987_654_321n,
      },
      want: '{"egress_id":"EG_1","started_at":1700000000123456789,"ended_at":1700000060987654321}\n',
    },
    {
      name: 'uses the Go keys for every field in Go order',
      input: {
        egressId: 'EG_1',
        roomId: 'RM_1',
        roomName: 'room <&>',
        url: 'https://example.com/?a=1&b=2',
        publisherIdentity: 'alice',
        trackId: 'TR_1',
        trackKind: 'audio',
        trackSource: 'microphone',
        audioTrackId: 'TR_A',
        videoTrackId: 'TR_V',
        files: [{ filename: 'a.mp4', location: 'https://b.s3.amazonaws.com/a.mp4' }],
        playlists: [
          {
            location: 'https://b.s3.amazonaws.com/p.m3u8',
            segments: [
              { filename: 'p_00000.ts', location: 'https://b.s3.amazonaws.com/p_00000.ts' },
            ],
          },
        ],
        images: [
          {
            filename: 'i_00000.jpeg',
            timestamp: new Date('2024-01-02T03:04:05.120Z'),
            location: 'https://b.s3.amazonaws.com/i_00000.jpeg',
          },
        ],
      },
      want:
        '{"egress_id":"EG_1","room_id":"RM_1","room_name":"room <&>","url":"https://example.com/?a=1&b=2",' +
        '"publisher_identity":"alice","track_id":"TR_1","track_kind":"audio","track_source":"microphone",' +
        '"audio_track_id":"TR_A","video_track_id":"TR_V",' +
        '"files":[{"filename":"a.mp4","location":"https://b.s3.amazonaws.com/a.mp4"}],' +
        '"playlists":[{"location":"https://b.s3.amazonaws.com/p.m3u8","segments":[{"filename":"p_00000.ts","location":"https://b.s3.amazonaws.com/p_00000.ts"}]}],' +
        '"images":[{"filename":"i_00000.jpeg","timestamp":"2024-01-02T03:04:05.12Z","location":"https://b.s3.amazonaws.com/i_00000.jpeg"}]}\n',
    },
    {
      name: 'writes whole-second image timestamps without a fraction',
      input: {
        egressId: 'EG_1',
        images: [
          { filename: 'i.jpeg', timestamp: new Date('2024-01-02T03:04:05Z'), location: 'l' },
        ],
      },
      want: '{"egress_id":"EG_1","images":[{"filename":"i.jpeg","timestamp":"2024-01-02T03:04:05Z","location":"l"}]}\n',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(manifestJson(buildManifest(c.input)), c.want));
  }
});

describe('manifestStoragePath', () => {
  const cases = [
    {
      name: 'sits next to an output in a folder',
      input: ['rooms/a/out.mp4', 'EG_1'],
      want: 'rooms/a/EG_1.json',
    },
    {
      name: 'sits at the top for an output without a folder',
      input: ['out.mp4', 'EG_1'],
      want: 'EG_1.json',
    },
    { name: 'keeps a leading slash', input: ['/out/x.mp4', 'EG_1'], want: '/out/EG_1.json' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(manifestStoragePath(c.input[0] ?? '', c.input[1] ?? ''), c.want));
  }
});

describe('uploadManifest', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'manifest-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads <egress_id>.json next to each output directory once', async () => {
    const { logger } = captureLogger();
    const store = join(dir, 'store');
    const uploader = new RecordingUploader({
      primary: new LocalUploader({ directory: store, logger }),
      logger,
    });
    const manifest = buildManifest({ egressId: 'EG_9', roomName: 'r' });
    const locations = await uploadManifest({
      uploader,
      manifest,
      egressId: 'EG_9',
      outputStoragePaths: ['a/file.mp4', 'a/playlist.m3u8', 'b/img.jpeg'],
      workDir: dir,
    });
    assert.deepEqual(locations, [join(store, 'a/EG_9.json'), join(store, 'b/EG_9.json')]);
    assert.equal(await readFile(join(store, 'a/EG_9.json'), 'utf8'), manifestJson(manifest));
  });
});
