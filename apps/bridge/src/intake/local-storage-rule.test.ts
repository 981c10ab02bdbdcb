import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EgressRequest, loadConfig, validateRequest } from '@egress/protocol';
import {
  EncodedFileOutput,
  EncodedFileType,
  ImageOutput,
  Output,
  RoomCompositeEgressRequest,
  S3Upload,
  SegmentedFileOutput,
  StartEgressRequest,
  StorageConfig,
  StreamOutput,
  StreamProtocol,
  TemplateSource,
} from '@livekit/protocol';
import { outputsWithoutStorage } from './local-storage-rule.js';

const s3 = () => new S3Upload({ bucket: 'b', accessKey: 'k', secret: 's', region: 'r' });
const mp4 = (withS3 = false) =>
  new EncodedFileOutput({
    fileType: EncodedFileType.MP4,
    filepath: 'rec.mp4',
    ...(withS3 ? { output: { case: 's3' as const, value: s3() } } : {}),
  });

function roomComposite(fields: Partial<RoomCompositeEgressRequest>): EgressRequest {
  return {
    case: 'roomComposite',
    value: new RoomCompositeEgressRequest({ roomName: 'r', ...fields }),
  };
}

function serverStorage(yaml: string) {
  return loadConfig({ EGRESS_CONFIG_BODY: yaml }, { onWarning: () => undefined }).storage;
}

const cases: Array<{ name: string; request: EgressRequest; storage?: string; want: string[] }> = [
  {
    name: 'a file without storage',
    request: roomComposite({ fileOutputs: [mp4()] }),
    want: ['file'],
  },
  {
    name: 'a file, HLS and images without storage',
    request: roomComposite({
      fileOutputs: [mp4()],
      segmentOutputs: [new SegmentedFileOutput({ filenamePrefix: 'hls/a' })],
      imageOutputs: [new ImageOutput({ filenamePrefix: 'img/a' })],
    }),
    want: ['file', 'segments', 'image'],
  },
  {
    name: 'a file with its own S3',
    request: roomComposite({ fileOutputs: [mp4(true)] }),
    want: [],
  },
  {
    name: 'a file with the server storage',
    request: roomComposite({ fileOutputs: [mp4()] }),
    storage: 'storage:\n  s3:\n    bucket: b\n',
    want: [],
  },
  {
    name: 'a file with a server storage of a prefix only (Go: local)',
    request: roomComposite({ fileOutputs: [mp4()] }),
    storage: 'storage:\n  prefix: rec/\n',
    want: ['file'],
  },
  {
    name: 'a stream only',
    request: roomComposite({
      streamOutputs: [
        new StreamOutput({ protocol: StreamProtocol.RTMP, urls: ['rtmp://127.0.0.1/live/k'] }),
      ],
    }),
    want: [],
  },
  {
    name: 'a v2 file with the request-level storage',
    request: {
      case: 'egress',
      value: new StartEgressRequest({
        roomName: 'r',
        source: { case: 'template', value: new TemplateSource({}) },
        outputs: [
          new Output({
            config: { case: 'file', value: { fileType: EncodedFileType.MP4, filepath: 'a.mp4' } },
          }),
        ],
        storage: new StorageConfig({ provider: { case: 's3', value: s3() } }),
      }),
    },
    want: [],
  },
];

describe('outputsWithoutStorage (disallow_local_storage)', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.want.join(', ') || 'none'}`, () => {
      const storage = c.storage ? serverStorage(c.storage) : undefined;
      assert.deepEqual(outputsWithoutStorage(validateRequest(c.request), storage), c.want);
    });
  }
});
