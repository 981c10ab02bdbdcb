import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DirectFileOutput,
  EgressSourceType,
  EgressStatus,
  EncodedFileOutput,
  FileOutput,
  ImageOutput,
  MediaSource,
  Output,
  ParticipantEgressRequest,
  RoomCompositeEgressRequest,
  S3Upload,
  SegmentedFileOutput,
  StartEgressRequest,
  StreamInfo_Status,
  StreamOutput,
  TrackEgressRequest,
  WebEgressRequest,
} from '@livekit/protocol';
import { createEgressInfo } from './create-egress-info.js';

const NOW_MS = 1_700_000_000_000;
const NOW_NS = 1_700_000_000_000_000_000n;
const RTMP_KEY = 'rtmp_secret_key_123456';
const S3_SECRET = 'super-secret-s3-value';

function roomComposite(extra: Partial<RoomCompositeEgressRequest> = {}) {
  return {
    case: 'roomComposite' as const,
    value: new RoomCompositeEgressRequest({ roomName: 'my-room', layout: 'grid', ...extra }),
  };
}

describe('createEgressInfo', () => {
  it('starts in EGRESS_STARTING with ids, room and both times set to now', () => {
    const info = createEgressInfo({
      egressId: 'EG_abc',
      roomId: 'RM_xyz',
      request: roomComposite({ fileOutputs: [new EncodedFileOutput()] }),
      nowMs: NOW_MS,
    });
    assert.equal(info.egressId, 'EG_abc');
    assert.equal(info.roomId, 'RM_xyz');
    assert.equal(info.roomName, 'my-room');
    assert.equal(info.status, EgressStatus.EGRESS_STARTING);
    assert.equal(info.startedAt, NOW_NS);
    assert.equal(info.updatedAt, NOW_NS);
    assert.equal(info.endedAt, 0n);
    assert.equal(info.sourceType, EgressSourceType.WEB);
    assert.equal(info.request.case, 'roomComposite');
  });

  it('leaves the room name empty for web egress and marks it a web source', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: {
        case: 'web',
        value: new WebEgressRequest({ url: 'https://x', fileOutputs: [new EncodedFileOutput()] }),
      },
      nowMs: NOW_MS,
    });
    assert.equal(info.roomName, '');
    assert.equal(info.roomId, '');
    assert.equal(info.sourceType, EgressSourceType.WEB);
  });

  it('marks an audio-only room composite without layout as an SDK source', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: roomComposite({ layout: '', audioOnly: true }),
      nowMs: NOW_MS,
    });
    assert.equal(info.sourceType, EgressSourceType.SDK);
  });

  it('adds one active, redacted stream result per url, stamping all but rtmp now', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: roomComposite({
        streamOutputs: [
          new StreamOutput({ urls: [`rtmp://host/app/${RTMP_KEY}`, 'srt://host:9000'] }),
        ],
      }),
      nowMs: NOW_MS,
    });
    assert.equal(info.streamResults.length, 2);
    const [rtmp, srt] = info.streamResults;
    assert.equal(rtmp?.status, StreamInfo_Status.ACTIVE);
    assert.equal(rtmp?.url, 'rtmp://host/app/{rtm...456}');
    assert.equal(rtmp?.startedAt, 0n);
    assert.equal(srt?.startedAt, NOW_NS);
    assert.equal(info.result.case, 'stream');
    assert.ok(!JSON.stringify(info.toJson()).includes(RTMP_KEY));
  });

  it('sets the deprecated result to the only file output, and redacts its storage', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: roomComposite({
        fileOutputs: [
          new EncodedFileOutput({
            filepath: 'out.mp4',
            output: { case: 's3', value: new S3Upload({ secret: S3_SECRET, bucket: 'b' }) },
          }),
        ],
      }),
      nowMs: NOW_MS,
    });
    assert.equal(info.fileResults.length, 1);
    assert.equal(info.result.case, 'file');
    assert.equal(info.result.value, info.fileResults[0]);
    assert.ok(!JSON.stringify(info.toJson()).includes(S3_SECRET));
  });

  it('leaves the deprecated result unset when outputs are mixed', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: roomComposite({
        fileOutputs: [new EncodedFileOutput()],
        segmentOutputs: [new SegmentedFileOutput()],
        imageOutputs: [new ImageOutput(), new ImageOutput()],
      }),
      nowMs: NOW_MS,
    });
    assert.equal(info.fileResults.length, 1);
    assert.equal(info.segmentResults.length, 1);
    assert.equal(info.imageResults.length, 2);
    assert.equal(info.result.case, undefined);
  });

  it('uses the deprecated single segments output of a v1 request', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: roomComposite({ output: { case: 'segments', value: new SegmentedFileOutput() } }),
      nowMs: NOW_MS,
    });
    assert.equal(info.segmentResults.length, 1);
    assert.equal(info.result.case, 'segments');
  });

  it('turns a track websocket url into a redacted stream result', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: {
        case: 'track',
        value: new TrackEgressRequest({
          roomName: 'r',
          trackId: 'TR_a',
          output: { case: 'websocketUrl', value: 'wss://h/p?token=tok-secret' },
        }),
      },
      nowMs: NOW_MS,
    });
    assert.equal(info.streamResults[0]?.url, 'wss://h/p?token={...}');
    assert.equal(info.streamResults[0]?.startedAt, NOW_NS);
    assert.equal(info.result.case, 'stream');
    assert.equal(info.sourceType, EgressSourceType.SDK);
  });

  it('gives a track file output a file result', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: {
        case: 'track',
        value: new TrackEgressRequest({
          roomName: 'r',
          output: { case: 'file', value: new DirectFileOutput({ filepath: 'a.ogg' }) },
        }),
      },
      nowMs: NOW_MS,
    });
    assert.equal(info.fileResults.length, 1);
    assert.equal(info.result.case, 'file');
  });

  it('plans results from v2 outputs and takes the v2 room name', () => {
    const info = createEgressInfo({
      egressId: 'EG_a',
      request: {
        case: 'egress',
        value: new StartEgressRequest({
          roomName: 'v2-room',
          source: { case: 'media', value: new MediaSource() },
          outputs: [
            new Output({ config: { case: 'file', value: new FileOutput() } }),
            new Output({
              config: { case: 'stream', value: new StreamOutput({ urls: ['wss://h/a'] }) },
            }),
          ],
        }),
      },
      nowMs: NOW_MS,
    });
    assert.equal(info.roomName, 'v2-room');
    assert.equal(info.request.case, 'egress');
    assert.equal(info.fileResults.length, 1);
    assert.equal(info.streamResults.length, 1);
    assert.equal(info.result.case, undefined);
  });

  it('copies the request and never shares it with the caller', () => {
    const request = {
      case: 'participant' as const,
      value: new ParticipantEgressRequest({ roomName: 'r', identity: 'p' }),
    };
    const info = createEgressInfo({ egressId: 'EG_a', request, nowMs: NOW_MS });
    assert.equal(info.request.case, 'participant');
    assert.notEqual(info.request.value, request.value);
    assert.ok(info.request.value?.equals(request.value));
  });
});
