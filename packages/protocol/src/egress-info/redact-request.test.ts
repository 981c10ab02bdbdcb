import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AliOSSUpload,
  AzureBlobUpload,
  DirectFileOutput,
  EncodedFileOutput,
  GCPUpload,
  ImageOutput,
  Output,
  ProxyConfig,
  RoomCompositeEgressRequest,
  S3Upload,
  SegmentedFileOutput,
  StartEgressRequest,
  StorageConfig,
  StreamOutput,
  TrackEgressRequest,
  WebEgressRequest,
  WebhookConfig,
} from '@livekit/protocol';
import type { EgressRequest } from '../request-types.js';
import { redactRequest } from './redact-request.js';

const SECRETS = {
  s3Key: 'AKIAS3SECRETKEY0001',
  s3Secret: 's3-secret-value-0002',
  s3Session: 's3-session-token-0003',
  s3External: 's3-external-id-0004',
  proxyPassword: 'proxy-password-0005',
  gcp: '{"private_key":"gcp-credentials-0006"}',
  azureName: 'azureaccount0007',
  azureKey: 'azure-account-key-0008',
  aliKey: 'ali-access-key-0009',
  aliSecret: 'ali-secret-0010',
  rtmpKey: 'live_rtmp_stream_key_0011',
  srtPass: 'srt-passphrase-0012',
  wsToken: 'ws-token-0013',
  signingKey: 'webhook-signing-key-0014',
  muxKey: 'mux-stream-key-0015',
} as const;

const s3 = () =>
  new S3Upload({
    accessKey: SECRETS.s3Key,
    secret: SECRETS.s3Secret,
    sessionToken: SECRETS.s3Session,
    assumeRoleExternalId: SECRETS.s3External,
    bucket: 'bucket',
    proxy: new ProxyConfig({ url: 'http://proxy', username: 'u', password: SECRETS.proxyPassword }),
  });

const streamUrls = [
  `rtmp://live.example.com/app/${SECRETS.rtmpKey}`,
  `srt://srt.example.com:9000?streamid=x&passphrase=${SECRETS.srtPass}`,
  `mux://${SECRETS.muxKey}`,
];

function assertNoSecret(request: EgressRequest): void {
  const json = JSON.stringify(request.value.toJson());
  for (const secret of Object.values(SECRETS)) {
    assert.ok(!json.includes(secret), `secret ${secret} left in ${json}`);
  }
}

describe('redactRequest', () => {
  const cases: { name: string; input: () => EgressRequest }[] = [
    {
      name: 'removes every secret from a room composite with all output kinds',
      input: () => ({
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({
          roomName: 'r',
          fileOutputs: [new EncodedFileOutput({ output: { case: 's3', value: s3() } })],
          streamOutputs: [new StreamOutput({ urls: streamUrls })],
          segmentOutputs: [
            new SegmentedFileOutput({
              output: {
                case: 'gcp',
                value: new GCPUpload({
                  credentials: SECRETS.gcp,
                  proxy: new ProxyConfig({ password: SECRETS.proxyPassword }),
                }),
              },
            }),
          ],
          imageOutputs: [
            new ImageOutput({
              output: {
                case: 'azure',
                value: new AzureBlobUpload({
                  accountName: SECRETS.azureName,
                  accountKey: SECRETS.azureKey,
                }),
              },
            }),
          ],
          webhooks: [new WebhookConfig({ url: 'https://hook', signingKey: SECRETS.signingKey })],
        }),
      }),
    },
    {
      name: 'removes secrets from the deprecated single file output',
      input: () => ({
        case: 'web',
        value: new WebEgressRequest({
          url: 'https://x',
          output: {
            case: 'file',
            value: new EncodedFileOutput({
              output: {
                case: 'aliOSS',
                value: new AliOSSUpload({ accessKey: SECRETS.aliKey, secret: SECRETS.aliSecret }),
              },
            }),
          },
        }),
      }),
    },
    {
      name: 'removes stream keys from the deprecated single stream output',
      input: () => ({
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({
          output: { case: 'stream', value: new StreamOutput({ urls: streamUrls }) },
        }),
      }),
    },
    {
      name: 'removes secrets from a track file upload',
      input: () => ({
        case: 'track',
        value: new TrackEgressRequest({
          output: {
            case: 'file',
            value: new DirectFileOutput({ output: { case: 's3', value: s3() } }),
          },
        }),
      }),
    },
    {
      name: 'removes the token from a track websocket url',
      input: () => ({
        case: 'track',
        value: new TrackEgressRequest({
          output: {
            case: 'websocketUrl',
            value: `wss://ws.example.com/in?token=${SECRETS.wsToken}`,
          },
        }),
      }),
    },
    {
      name: 'removes secrets from v2 request storage, output storage and stream urls',
      input: () => ({
        case: 'egress',
        value: new StartEgressRequest({
          storage: new StorageConfig({ provider: { case: 's3', value: s3() } }),
          outputs: [
            new Output({
              config: { case: 'stream', value: new StreamOutput({ urls: streamUrls }) },
              storage: new StorageConfig({
                provider: {
                  case: 'azure',
                  value: new AzureBlobUpload({
                    accountName: SECRETS.azureName,
                    accountKey: SECRETS.azureKey,
                  }),
                },
              }),
            }),
          ],
          webhooks: [new WebhookConfig({ signingKey: SECRETS.signingKey })],
        }),
      }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = c.input();
      const before = JSON.stringify(input.value.toJson());
      const redacted = redactRequest(input);
      assert.equal(redacted.case, input.case);
      assertNoSecret(redacted);
      assert.equal(JSON.stringify(input.value.toJson()), before, 'input must not change');
    });
  }

  it('uses Go placeholders for storage secrets and keeps other fields', () => {
    const redacted = redactRequest({
      case: 'roomComposite',
      value: new RoomCompositeEgressRequest({
        roomName: 'room',
        fileOutputs: [new EncodedFileOutput({ output: { case: 's3', value: s3() } })],
      }),
    });
    assert.equal(redacted.case, 'roomComposite');
    const file = redacted.value.fileOutputs[0]?.output;
    assert.equal(file?.case, 's3');
    assert.equal(file?.value.accessKey, '{access_key}');
    assert.equal(file?.value.secret, '{secret}');
    assert.equal(file?.value.sessionToken, '{session_token}');
    assert.equal(file?.value.bucket, 'bucket');
    assert.equal(redacted.value.roomName, 'room');
  });

  it('passes stream urls through the given redactUrl', () => {
    const redacted = redactRequest(
      {
        case: 'roomComposite',
        value: new RoomCompositeEgressRequest({
          streamOutputs: [new StreamOutput({ urls: ['rtmp://a/b/c'] })],
        }),
      },
      { redactUrl: () => 'hidden' },
    );
    assert.equal(redacted.case, 'roomComposite');
    assert.deepEqual(redacted.value.streamOutputs[0]?.urls, ['hidden']);
  });
});
