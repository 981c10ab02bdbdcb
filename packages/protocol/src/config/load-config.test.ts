import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EgressError } from '../errors.js';
import type { Config } from './config-schema.js';
import { loadConfig } from './load-config.js';

const CWD = '/srv/egress';

interface Input {
  /** Becomes EGRESS_CONFIG_BODY when set. */
  yaml?: string;
  env?: Record<string, string>;
}

function load(input: Input): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  const env: Record<string, string> = { ...input.env };
  if (input.yaml !== undefined) env.EGRESS_CONFIG_BODY = input.yaml;
  const config = loadConfig(env, { onWarning: (m) => warnings.push(m), cwd: CWD });
  return { config, warnings };
}

function loadError(input: Input): EgressError {
  try {
    load(input);
  } catch (err) {
    assert.ok(err instanceof EgressError, 'expected an EgressError');
    return err;
  }
  assert.fail('expected loadConfig to throw');
}

/** Reads `a.b.c` from the config. */
function get(value: unknown, dotted: string): unknown {
  let node = value;
  for (const key of dotted.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const valueCases: { name: string; input: Input; want: Record<string, unknown> }[] = [
  {
    name: 'gives Go defaults for an empty config',
    input: {},
    want: {
      apiKey: '',
      apiSecret: '',
      wsUrl: '',
      redis: undefined,
      storage: undefined,
      backup: undefined,
      logLevel: 'info',
      'logging.level': 'info',
      'logging.json': false,
      templatePort: 7980,
      templateBase: 'http://localhost:7980/',
      clusterId: '',
      maxUploadQueueMinutes: 60,
      ioCreateTimeoutMs: 15_000,
      ioUpdateTimeoutMs: 30_000,
      ioSelectionTimeoutMs: 0,
      ioWorkers: 5,
      healthPort: 0,
      prometheusPort: 0,
      debugHandlerPort: 0,
      pulseSinkReapGraceMs: 30_000,
      videoEncoderThreads: 0,
      'debug.storage': undefined,
      'audioTempoController.enabled': false,
      'audioTempoController.adjustmentRate': 0.05,
    },
  },
  {
    name: 'gives our defaults for the keys Go does not have',
    input: {},
    want: {
      apiPort: 7981,
      admin: undefined,
      'webhook.urls': [],
      'webhook.apiKey': '',
      shutdownGraceMs: 3_600_000,
      startSignalTimeoutMs: 30_000,
      jobStartDeadlineMs: 30_000,
      warmPoolSize: 1,
      queuedStartAffinity: 0,
      localOutputDir: path.resolve(CWD, 'out'),
    },
  },
  {
    name: 'gives the Go CPU cost defaults',
    input: {},
    want: {
      'cpuCost.maxCpuUtilization': 0.8,
      'cpuCost.roomCompositeCpuCost': 4,
      'cpuCost.audioRoomCompositeCpuCost': 1,
      'cpuCost.sdkAudioRoomCompositeCpuCost': 1,
      'cpuCost.webCpuCost': 4,
      'cpuCost.audioWebCpuCost': 1,
      'cpuCost.participantCpuCost': 2,
      'cpuCost.trackCompositeCpuCost': 1,
      'cpuCost.trackCpuCost': 0.5,
      'cpuCost.maxPulseClients': 60,
      'cpuCost.maxMemoryGb': 0,
      'cpuCost.memoryCostGb': 0,
      'cpuCost.memorySource': 'proc_rss',
      'cpuCost.memoryKillGraceMs': 0,
      'cpuCost.cpuKillGraceMs': 30_000,
    },
  },
  {
    name: 'gives the Go latency defaults',
    input: {},
    want: {
      'latency.jitterBufferLatencyMs': 2000,
      'latency.audioMixerLatencyMs': 2750,
      'latency.pipelineLatencyMs': 3000,
      'latency.rtpMaxAllowedTsDiffMs': 5000,
      'latency.rtpMaxDriftAdjustmentMs': 5,
      'latency.rtpDriftAdjustmentWindowPercent': 0,
      'latency.oldPacketThresholdMs': 2200,
    },
  },
  {
    name: 'treats a YAML body of only comments as empty',
    input: { yaml: '# nothing here\n\n# still nothing\n' },
    want: { apiPort: 7981, templatePort: 7980 },
  },
  {
    name: 'treats a null document as empty',
    input: { yaml: '~\n' },
    want: { apiPort: 7981, logLevel: 'info' },
  },
  {
    name: 'treats keys without a value as unset',
    input: { yaml: 'storage:\ncpu_cost:\napi_key:\nhealth_port:\n' },
    want: { storage: undefined, 'cpuCost.webCpuCost': 4, apiKey: '', healthPort: 0 },
  },
  {
    name: 'reads a redis block',
    input: {
      yaml: `redis:
  address: redis.internal:6379
  username: egress
  password: pw
  db: 3
  use_tls: true
  dial_timeout: 1500
  read_timeout: 300
  write_timeout: 400
  pool_timeout: 4s
  pool_size: 20
`,
    },
    want: {
      'redis.address': 'redis.internal:6379',
      'redis.username': 'egress',
      'redis.password': 'pw',
      'redis.db': 3,
      'redis.useTls': true,
      'redis.tls': undefined,
      'redis.dialTimeoutMs': 1500,
      'redis.readTimeoutMs': 300,
      'redis.writeTimeoutMs': 400,
      'redis.poolTimeoutMs': 4000,
      'redis.poolSize': 20,
      'redis.maxRedirects': 2,
    },
  },
  {
    name: 'reads redis sentinel, cluster and tls keys',
    input: {
      yaml: `redis:
  sentinel_master_name: mymaster
  sentinel_username: su
  sentinel_password: sp
  sentinel_addresses: [s1:26379, s2:26379]
  cluster_addresses: [c1:6379]
  max_redirects: 5
  tls:
    enabled: true
    insecure: true
    server_name: redis.example.com
    ca_cert_file: /etc/ca.pem
`,
    },
    want: {
      'redis.address': '',
      'redis.sentinelMasterName': 'mymaster',
      'redis.sentinelUsername': 'su',
      'redis.sentinelPassword': 'sp',
      'redis.sentinelAddresses': ['s1:26379', 's2:26379'],
      'redis.clusterAddresses': ['c1:6379'],
      'redis.maxRedirects': 5,
      'redis.tls.enabled': true,
      'redis.tls.insecure': true,
      'redis.tls.serverName': 'redis.example.com',
      'redis.tls.caCertFile': '/etc/ca.pem',
      'redis.tls.clientCertFile': '',
    },
  },
  {
    name: 'reads the API key pair and URL from the YAML',
    input: { yaml: 'api_key: APIkey\napi_secret: sec\nws_url: wss://lk.example.com\n' },
    want: { apiKey: 'APIkey', apiSecret: 'sec', wsUrl: 'wss://lk.example.com' },
  },
  {
    name: 'falls back to the LIVEKIT_* env vars when the YAML lacks the keys',
    input: {
      yaml: 'cluster_id: c1\n',
      env: {
        LIVEKIT_API_KEY: 'envkey',
        LIVEKIT_API_SECRET: 'envsecret',
        LIVEKIT_WS_URL: 'ws://localhost:7880',
      },
    },
    want: { apiKey: 'envkey', apiSecret: 'envsecret', wsUrl: 'ws://localhost:7880' },
  },
  {
    name: 'lets YAML keys win over the LIVEKIT_* env vars',
    input: {
      yaml: 'api_key: yamlkey\napi_secret: yamlsecret\nws_url: https://lk.example.com\n',
      env: { LIVEKIT_API_KEY: 'envkey', LIVEKIT_API_SECRET: 'envsecret', LIVEKIT_WS_URL: 'ws://x' },
    },
    want: { apiKey: 'yamlkey', apiSecret: 'yamlsecret', wsUrl: 'https://lk.example.com' },
  },
  {
    name: 'falls back to the env when the YAML value is empty',
    input: { yaml: 'api_key: ""\n', env: { LIVEKIT_API_KEY: 'envkey' } },
    want: { apiKey: 'envkey' },
  },
  {
    name: 'works with env vars alone and no YAML',
    input: { env: { LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' } },
    want: { apiKey: 'k', apiSecret: 's', 'webhook.apiKey': 'k' },
  },
  {
    name: 'lets LOG_LEVEL win over logging.level',
    input: { yaml: 'logging:\n  level: warn\n', env: { LOG_LEVEL: 'debug' } },
    want: { logLevel: 'debug', 'logging.level': 'debug' },
  },
  {
    name: 'lets logging.level win over the deprecated log_level',
    input: { yaml: 'log_level: error\nlogging:\n  level: warn\n' },
    want: { logLevel: 'warn', 'logging.level': 'warn' },
  },
  {
    name: 'accepts the top-level log_level of the Go README examples',
    input: { yaml: 'log_level: debug\n' },
    want: { logLevel: 'debug' },
  },
  {
    name: 'reads log levels without regard to case',
    input: { yaml: 'logging:\n  level: DEBUG\n  json: true\n' },
    want: { logLevel: 'debug', 'logging.json': true },
  },
  {
    name: 'ignores an empty LOG_LEVEL',
    input: { yaml: 'logging:\n  level: error\n', env: { LOG_LEVEL: '' } },
    want: { logLevel: 'error' },
  },
  {
    name: 'derives template_base from template_port',
    input: { yaml: 'template_port: 8090\n' },
    want: { templatePort: 8090, templateBase: 'http://localhost:8090/' },
  },
  {
    name: 'keeps an explicit template_base',
    input: { yaml: 'template_base: https://templates.example.com/\ntemplate_port: 8090\n' },
    want: { templateBase: 'https://templates.example.com/' },
  },
  {
    name: 'falls back to 7980 for template_port 0, as Go does',
    input: { yaml: 'template_port: 0\n' },
    want: { templatePort: 7980 },
  },
  {
    name: 'parses Go durations into milliseconds',
    input: {
      yaml: 'io_create_timeout: 1m30s\nio_update_timeout: 1.5h\nio_selection_timeout: 500ms\n',
    },
    want: { ioCreateTimeoutMs: 90_000, ioUpdateTimeoutMs: 5_400_000, ioSelectionTimeoutMs: 500 },
  },
  {
    name: 'reads session limits',
    input: {
      yaml: `session_limits:
  file_output_max_duration: 2h
  file_output_max_size: 10737418240
  stream_output_max_duration: 90m
  segment_output_max_duration: 1h30m
  image_output_max_duration: 45s
`,
    },
    want: {
      'sessionLimits.fileOutputMaxDurationMs': 7_200_000,
      'sessionLimits.fileOutputMaxSizeBytes': 10_737_418_240,
      'sessionLimits.streamOutputMaxDurationMs': 5_400_000,
      'sessionLimits.segmentOutputMaxDurationMs': 5_400_000,
      'sessionLimits.imageOutputMaxDurationMs': 45_000,
    },
  },
  {
    name: 'falls back to the default for a zero duration',
    input: { yaml: 'io_create_timeout: 0s\nio_update_timeout: 0\n' },
    want: { ioCreateTimeoutMs: 15_000, ioUpdateTimeoutMs: 30_000 },
  },
  {
    name: 'falls back for max_upload_queue and io_workers <= 0',
    input: { yaml: 'max_upload_queue: -5\nio_workers: 0\n' },
    want: { maxUploadQueueMinutes: 60, ioWorkers: 5 },
  },
  {
    name: 'keeps positive max_upload_queue and io_workers',
    input: { yaml: 'max_upload_queue: 10\nio_workers: 2\n' },
    want: { maxUploadQueueMinutes: 10, ioWorkers: 2 },
  },
  {
    name: 'falls back to the default for a cost <= 0 and keeps a positive one',
    input: {
      yaml: `cpu_cost:
  room_composite_cpu_cost: 0
  web_cpu_cost: -2
  participant_cpu_cost: 3.5
  track_cpu_cost: 0.25
  track_composite_cpu_cost: -0.1
  audio_web_cpu_cost: 2
`,
    },
    want: {
      'cpuCost.roomCompositeCpuCost': 4,
      'cpuCost.webCpuCost': 4,
      'cpuCost.participantCpuCost': 3.5,
      'cpuCost.trackCpuCost': 0.25,
      'cpuCost.trackCompositeCpuCost': 1,
      'cpuCost.audioWebCpuCost': 2,
    },
  },
  {
    name: 'falls back to 0.8 for max_cpu_utilization above 1',
    input: { yaml: 'cpu_cost:\n  max_cpu_utilization: 1.5\n' },
    want: { 'cpuCost.maxCpuUtilization': 0.8 },
  },
  {
    name: 'falls back to 0.8 for max_cpu_utilization of 0 or below',
    input: { yaml: 'cpu_cost:\n  max_cpu_utilization: -0.3\n' },
    want: { 'cpuCost.maxCpuUtilization': 0.8 },
  },
  {
    name: 'keeps max_cpu_utilization of exactly 1',
    input: { yaml: 'cpu_cost:\n  max_cpu_utilization: 1\n' },
    want: { 'cpuCost.maxCpuUtilization': 1 },
  },
  {
    name: 'gives the SDK audio costs the audio room composite and memory costs when unset',
    input: { yaml: 'cpu_cost:\n  audio_room_composite_cpu_cost: 2\n  memory_cost: 1.5\n' },
    want: {
      'cpuCost.sdkAudioRoomCompositeCpuCost': 2,
      'cpuCost.sdkAudioRoomCompositeMemoryCostGb': 1.5,
      'cpuCost.memoryCostGb': 1.5,
    },
  },
  {
    name: 'keeps explicit SDK audio costs',
    input: {
      yaml: 'cpu_cost:\n  sdk_audio_room_composite_cpu_cost: 0.5\n  sdk_audio_room_composite_memory_cost: 0.3\n',
    },
    want: {
      'cpuCost.sdkAudioRoomCompositeCpuCost': 0.5,
      'cpuCost.sdkAudioRoomCompositeMemoryCostGb': 0.3,
    },
  },
  {
    name: 'reads the memory and kill settings of cpu_cost',
    input: {
      yaml: `cpu_cost:
  max_memory: 16
  memory_source: cgroup
  memory_kill_grace_sec: 10
  cpu_kill_grace_sec: 45
  max_pulse_clients: 30
`,
    },
    want: {
      'cpuCost.maxMemoryGb': 16,
      'cpuCost.memorySource': 'cgroup',
      'cpuCost.memoryKillGraceMs': 10_000,
      'cpuCost.cpuKillGraceMs': 45_000,
      'cpuCost.maxPulseClients': 30,
    },
  },
  {
    name: 'falls back to 30 s for cpu_kill_grace_sec <= 0',
    input: { yaml: 'cpu_cost:\n  cpu_kill_grace_sec: -4\n' },
    want: { 'cpuCost.cpuKillGraceMs': 30_000 },
  },
  {
    name: 'reads an S3 storage block',
    input: {
      yaml: `storage:
  prefix: recordings/
  generate_presigned_url: true
  s3:
    access_key: AKIA
    secret: s3secret
    session_token: tok
    assume_role_arn: arn:aws:iam::1:role/r
    assume_role_external_id: ext
    region: eu-west-1
    endpoint: http://minio:9000
    bucket: rec
    force_path_style: true
    proxy_config:
      url: http://proxy:3128
      username: pu
      password: pp
    max_retries: 8
    max_retry_delay: 10s
    min_retry_delay: 250ms
    metadata:
      team: media
    tagging: a=b
    content_disposition: attachment
`,
    },
    want: {
      'storage.prefix': 'recordings/',
      'storage.generatePresignedUrl': true,
      'storage.s3.accessKey': 'AKIA',
      'storage.s3.secret': 's3secret',
      'storage.s3.sessionToken': 'tok',
      'storage.s3.assumeRoleArn': 'arn:aws:iam::1:role/r',
      'storage.s3.assumeRoleExternalId': 'ext',
      'storage.s3.region': 'eu-west-1',
      'storage.s3.endpoint': 'http://minio:9000',
      'storage.s3.bucket': 'rec',
      'storage.s3.forcePathStyle': true,
      'storage.s3.proxy': { url: 'http://proxy:3128', username: 'pu', password: 'pp' },
      'storage.s3.maxRetries': 8,
      'storage.s3.maxRetryDelayMs': 10_000,
      'storage.s3.minRetryDelayMs': 250,
      'storage.s3.metadata': { team: 'media' },
      'storage.s3.tagging': 'a=b',
      'storage.s3.contentDisposition': 'attachment',
      'storage.azure': undefined,
    },
  },
  {
    name: "reads the Go README's top-level storage and local_directory (Go egress up to v1.8)",
    input: {
      yaml: `local_directory: /out/output
s3:
  access_key: AKIA
  secret: s3secret
  region: eu-west-1
  endpoint: http://minio:9000
  bucket: rec
`,
    },
    want: {
      'storage.prefix': '',
      'storage.generatePresignedUrl': false,
      'storage.s3.accessKey': 'AKIA',
      'storage.s3.bucket': 'rec',
      'storage.s3.endpoint': 'http://minio:9000',
      'storage.s3.maxRetries': 5,
      'storage.azure': undefined,
      localDirectory: '/out/output',
      localOutputDir: `${CWD}/out`,
    },
  },
  {
    name: 'reads a top-level azure or gcp block as the storage',
    input: { yaml: 'gcp:\n  credentials_json: "{}"\n  bucket: g\n' },
    want: {
      'storage.gcp.bucket': 'g',
      'storage.gcp.credentialsJson': '{}',
      'storage.s3': undefined,
    },
  },
  {
    name: 'resolves a relative local_directory against cwd; absent, none',
    input: { yaml: 'local_directory: tmp/egress\n' },
    want: { localDirectory: `${CWD}/tmp/egress`, storage: undefined },
  },
  {
    name: 'fills empty storage credentials from the env the Go README names',
    input: {
      yaml: 'storage:\n  s3:\n    bucket: b\nbackup:\n  azure:\n    container_name: c\n',
      env: {
        AWS_ACCESS_KEY_ID: 'AKIAENV',
        AWS_SECRET_ACCESS_KEY: 'envsecret',
        AWS_SESSION_TOKEN: 'envtoken',
        AWS_DEFAULT_REGION: 'ap-south-1',
        AZURE_STORAGE_ACCOUNT: 'envacct',
        AZURE_STORAGE_KEY: 'envkey',
      },
    },
    want: {
      'storage.s3.accessKey': 'AKIAENV',
      'storage.s3.secret': 'envsecret',
      'storage.s3.sessionToken': 'envtoken',
      'storage.s3.region': 'ap-south-1',
      'backup.azure': { accountName: 'envacct', accountKey: 'envkey', containerName: 'c' },
    },
  },
  {
    name: 'keeps configured credentials over the env, never mixing a key with an env secret',
    input: {
      yaml: 'azure:\n  account_name: acct\n  account_key: key\n  container_name: c\nbackup:\n  s3:\n    access_key: AKIA\n    bucket: b\n    region: us-east-2\n',
      env: {
        AWS_ACCESS_KEY_ID: 'AKIAENV',
        AWS_SECRET_ACCESS_KEY: 'envsecret',
        AWS_DEFAULT_REGION: 'ap-south-1',
        AZURE_STORAGE_ACCOUNT: 'envacct',
        AZURE_STORAGE_KEY: 'envkey',
      },
    },
    want: {
      'storage.azure': { accountName: 'acct', accountKey: 'key', containerName: 'c' },
      'backup.s3.accessKey': 'AKIA',
      'backup.s3.secret': '',
      'backup.s3.region': 'us-east-2',
    },
  },
  {
    name: 'gives S3 the Go retry defaults',
    input: { yaml: 'storage:\n  s3:\n    bucket: b\n' },
    want: {
      'storage.prefix': '',
      'storage.s3.maxRetries': 5,
      'storage.s3.maxRetryDelayMs': 5000,
      'storage.s3.minRetryDelayMs': 100,
      'storage.s3.proxy': undefined,
      'storage.s3.metadata': {},
    },
  },
  {
    name: 'reads an Azure storage block',
    input: {
      yaml: 'storage:\n  azure:\n    account_name: acct\n    account_key: key\n    container_name: cont\n',
    },
    want: {
      'storage.azure': { accountName: 'acct', accountKey: 'key', containerName: 'cont' },
      'storage.s3': undefined,
    },
  },
  {
    name: 'reads an emulator endpoint for Azure and GCP (ours)',
    input: {
      yaml: `storage:
  azure:
    account_name: devstoreaccount1
    endpoint: http://127.0.0.1:10000/devstoreaccount1
backup:
  gcp:
    bucket: b
    api_endpoint: http://127.0.0.1:4443
`,
    },
    want: {
      'storage.azure.endpoint': 'http://127.0.0.1:10000/devstoreaccount1',
      'backup.gcp.apiEndpoint': 'http://127.0.0.1:4443',
    },
  },
  {
    name: 'reads a GCP storage block with a proxy',
    input: {
      yaml: `storage:
  gcp:
    credentials_json: '{"type":"service_account"}'
    bucket: gbucket
    proxy_config:
      url: http://proxy:3128
`,
    },
    want: {
      'storage.gcp.credentialsJson': '{"type":"service_account"}',
      'storage.gcp.bucket': 'gbucket',
      'storage.gcp.proxy': { url: 'http://proxy:3128', username: '', password: '' },
    },
  },
  {
    name: 'reads an AliOSS storage block as aliOss',
    input: {
      yaml: 'storage:\n  alioss:\n    access_key: ak\n    secret: as\n    endpoint: oss-cn-hangzhou.aliyuncs.com\n    bucket: ab\n',
    },
    want: {
      'storage.aliOss': {
        accessKey: 'ak',
        secret: 'as',
        endpoint: 'oss-cn-hangzhou.aliyuncs.com',
        bucket: 'ab',
      },
    },
  },
  {
    name: 'reads backup with the storage shape',
    input: { yaml: 'backup:\n  prefix: backup/\n  s3:\n    bucket: spare\n' },
    want: { 'backup.prefix': 'backup/', 'backup.s3.bucket': 'spare', storage: undefined },
  },
  {
    name: 'reads the debug flags and its inline storage keys',
    input: {
      yaml: `debug:
  enable_profiling: true
  enable_track_logging: true
  enable_stream_logging: true
  enable_chrome_logging: true
  prefix: debug/
  s3:
    bucket: dbg
`,
    },
    want: {
      'debug.enableProfiling': true,
      'debug.enableTrackLogging': true,
      'debug.enableStreamLogging': true,
      'debug.enableChromeLogging': true,
      'debug.storage.prefix': 'debug/',
      'debug.storage.s3.bucket': 'dbg',
    },
  },
  {
    name: 'leaves debug.storage undefined without storage keys',
    input: { yaml: 'debug:\n  enable_profiling: true\n' },
    want: { 'debug.enableProfiling': true, 'debug.storage': undefined },
  },
  {
    name: 'resolves YAML anchors, aliases and merge keys',
    input: {
      yaml: `storage: &store
  prefix: main/
  s3: &s3
    bucket: shared
    region: us-east-1
backup:
  s3:
    <<: *s3
    bucket: spare
`,
    },
    want: {
      'storage.s3.bucket': 'shared',
      'backup.s3.bucket': 'spare',
      'backup.s3.region': 'us-east-1',
    },
  },
  {
    name: 'reads chrome_flags with string, number and boolean values',
    input: {
      yaml: 'chrome_flags:\n  disable-gpu: false\n  lang: en-US\n  force-device-scale-factor: 2\n',
    },
    want: { chromeFlags: { 'disable-gpu': false, lang: 'en-US', 'force-device-scale-factor': 2 } },
  },
  {
    name: 'reads latency and raises rtp_max_allowed_ts_diff to the jitter buffer latency',
    input: {
      yaml: `latency:
  jitter_buffer_latency: 6s
  audio_mixer_latency: 7s
  pipeline_latency: 8s
  rtp_max_allowed_ts_diff: 1s
  rtp_max_drift_adjustment: 10ms
  rtp_drift_adjustment_window_percent: 0.5
  old_packet_threshold: 3s
`,
    },
    want: {
      'latency.jitterBufferLatencyMs': 6000,
      'latency.audioMixerLatencyMs': 7000,
      'latency.pipelineLatencyMs': 8000,
      'latency.rtpMaxAllowedTsDiffMs': 6000,
      'latency.rtpMaxDriftAdjustmentMs': 10,
      'latency.rtpDriftAdjustmentWindowPercent': 0.5,
      'latency.oldPacketThresholdMs': 3000,
    },
  },
  {
    name: 'falls back to 0.05 for an audio tempo adjustment rate outside (0, 0.2]',
    input: { yaml: 'audio_tempo_controller:\n  enabled: true\n  adjustment_rate: 0.5\n' },
    want: { 'audioTempoController.enabled': true, 'audioTempoController.adjustmentRate': 0.05 },
  },
  {
    name: 'keeps an audio tempo adjustment rate inside (0, 0.2]',
    input: { yaml: 'audio_tempo_controller:\n  enabled: true\n  adjustment_rate: 0.1\n' },
    want: { 'audioTempoController.adjustmentRate': 0.1 },
  },
  {
    name: 'disables pulse sink reaping for a negative grace',
    input: { yaml: 'pulse_sink_reap_grace_sec: -1\n' },
    want: { pulseSinkReapGraceMs: null },
  },
  {
    name: 'reads a positive pulse sink reap grace in milliseconds',
    input: { yaml: 'pulse_sink_reap_grace_sec: 10\n' },
    want: { pulseSinkReapGraceMs: 10_000 },
  },
  {
    name: 'reads the service ports',
    input: {
      yaml: 'health_port: 8080\nprometheus_port: 9090\ndebug_handler_port: 6060\napi_port: 0\n',
    },
    want: { healthPort: 8080, prometheusPort: 9090, debugHandlerPort: 6060, apiPort: 0 },
  },
  {
    name: 'reads the s3_assume_role keys',
    input: {
      yaml: 's3_assume_role_key: rk\ns3_assume_role_secret: rs\ns3_assume_role_arn: arn:x\ns3_assume_role_external_id: eid\n',
    },
    want: {
      s3AssumeRoleKey: 'rk',
      s3AssumeRoleSecret: 'rs',
      s3AssumeRoleArn: 'arn:x',
      s3AssumeRoleExternalId: 'eid',
    },
  },
  {
    name: 'reads the boolean switches and encoder threads',
    input: {
      yaml: `insecure: true
enable_chrome_sandbox: true
disallow_local_storage: true
enable_sync_engine: true
enable_one_shot_sender_report_sync: true
video_encoder_threads: 4
cluster_id: eu-1
`,
    },
    want: {
      insecure: true,
      enableChromeSandbox: true,
      disallowLocalStorage: true,
      enableSyncEngine: true,
      enableOneShotSenderReportSync: true,
      videoEncoderThreads: 4,
      clusterId: 'eu-1',
    },
  },
  {
    name: 'signs webhooks with api_key by default',
    input: {
      yaml: 'api_key: k1\napi_secret: s1\nwebhook:\n  urls:\n    - https://hooks.example.com/lk\n',
    },
    want: { 'webhook.apiKey': 'k1', 'webhook.urls': ['https://hooks.example.com/lk'] },
  },
  {
    name: 'accepts a webhook api_key equal to api_key',
    input: {
      yaml: 'api_key: k1\napi_secret: s1\nwebhook:\n  api_key: k1\n  urls: [http://localhost:9000/hook]\n',
    },
    want: { 'webhook.apiKey': 'k1' },
  },
  {
    name: 'accepts webhook api keys from the env',
    input: {
      yaml: 'webhook:\n  urls: [http://localhost:9000/hook]\n',
      env: { LIVEKIT_API_KEY: 'ek', LIVEKIT_API_SECRET: 'es' },
    },
    want: { 'webhook.apiKey': 'ek' },
  },
  {
    name: 'reads the admin block',
    input: { yaml: 'admin:\n  username: ops\n  password: hunter2\n' },
    want: { admin: { username: 'ops', password: 'hunter2' } },
  },
  {
    name: 'reads our second-based settings as milliseconds',
    input: {
      yaml: 'shutdown_grace_sec: 10\nstart_signal_timeout_sec: 0\njob_start_deadline_sec: 5\n',
    },
    want: { shutdownGraceMs: 10_000, startSignalTimeoutMs: 0, jobStartDeadlineMs: 5000 },
  },
  {
    name: 'reads queued_start_affinity',
    input: { yaml: 'queued_start_affinity: 0.1\n' },
    want: { queuedStartAffinity: 0.1 },
  },
  {
    name: 'reads warm_pool_size, 0 disabling the pool',
    input: { yaml: 'warm_pool_size: 0\n' },
    want: { warmPoolSize: 0 },
  },
  {
    name: 'resolves a relative local_output_dir against the working directory',
    input: { yaml: 'local_output_dir: recordings\n' },
    want: { localOutputDir: path.resolve(CWD, 'recordings') },
  },
  {
    name: 'keeps an absolute local_output_dir',
    input: { yaml: 'local_output_dir: /out\n' },
    want: { localOutputDir: '/out' },
  },
  {
    name: 'keeps unicode values as they are',
    input: {
      yaml: 'storage:\n  prefix: "录音/🎥/"\n  s3:\n    bucket: bücket\ncluster_id: "çluster"\n',
    },
    want: { 'storage.prefix': '录音/🎥/', 'storage.s3.bucket': 'bücket', clusterId: 'çluster' },
  },
  {
    name: 'accepts a very long string value',
    input: { yaml: `api_key: ${'k'.repeat(500_000)}\n` },
    want: { apiKey: 'k'.repeat(500_000) },
  },
  {
    name: 'accepts an http ws_url, as LiveKit clients do',
    input: { env: { LIVEKIT_WS_URL: 'http://127.0.0.1:7880' } },
    want: { wsUrl: 'http://127.0.0.1:7880' },
  },
];

const errorCases: { name: string; input: Input; want: string[] }[] = [
  {
    name: 'refuses top-level storage next to a storage block, naming each key',
    input: { yaml: 'storage:\n  s3:\n    bucket: b\ns3:\n  bucket: a\ngcp:\n  bucket: g\n' },
    want: [
      's3: conflicts with storage: keep one (storage.s3 is the current form of top-level s3)',
      'gcp: conflicts with storage',
    ],
  },
  {
    name: 'rejects a string for a port',
    input: { yaml: 'health_port: "8080"\n' },
    want: ['health_port: expected a port number between 0 and 65535'],
  },
  {
    name: 'rejects a number for a string',
    input: { yaml: 'storage:\n  s3:\n    bucket: 123\n' },
    want: ['storage.s3.bucket: expected a string'],
  },
  {
    name: 'rejects a list for a map',
    input: { yaml: 'storage: [a, b]\n' },
    want: ['storage: expected a map'],
  },
  {
    name: 'rejects a map for a list',
    input: { yaml: 'redis:\n  sentinel_addresses:\n    a: 1\n' },
    want: ['redis.sentinel_addresses: expected a list'],
  },
  {
    name: 'rejects a string for a list',
    input: { yaml: 'webhook:\n  urls: https://hooks.example.com\n' },
    want: ['webhook.urls: expected a list'],
  },
  {
    name: 'rejects a number inside a list of strings',
    input: { yaml: 'redis:\n  cluster_addresses: [a:1, 7]\n' },
    want: ['redis.cluster_addresses[1]: expected a string'],
  },
  {
    name: 'rejects a negative port',
    input: { yaml: 'prometheus_port: -1\n' },
    want: ['prometheus_port: expected a port number between 0 and 65535'],
  },
  {
    name: 'rejects a port above 65535',
    input: { yaml: 'api_port: 70000\n' },
    want: ['api_port: expected a port number between 0 and 65535'],
  },
  {
    name: 'rejects a fractional redis db',
    input: { yaml: 'redis:\n  db: 1.5\n' },
    want: ['redis.db: expected a whole number'],
  },
  {
    name: 'rejects a quoted boolean',
    input: { yaml: 'insecure: "yes"\n' },
    want: ['insecure: expected true or false'],
  },
  {
    name: 'rejects a duration without a unit',
    input: { yaml: 'io_update_timeout: 30\n' },
    want: ['io_update_timeout: expected a duration such as "30s" or "1h30m"'],
  },
  {
    name: 'rejects a duration in words',
    input: { yaml: 'session_limits:\n  file_output_max_duration: 30 seconds\n' },
    want: ['session_limits.file_output_max_duration: expected a duration'],
  },
  {
    name: 'rejects a negative duration',
    input: { yaml: 'latency:\n  pipeline_latency: -5s\n' },
    want: ['latency.pipeline_latency: must not be negative'],
  },
  {
    name: 'rejects an unknown log level',
    input: { yaml: 'logging:\n  level: verbose\n' },
    want: ['logging.level: expected one of trace, debug, info, warn, error, fatal, silent'],
  },
  {
    name: 'rejects an unknown LOG_LEVEL and names the env var',
    input: { env: { LOG_LEVEL: 'loud' } },
    want: ['LOG_LEVEL: expected one of'],
  },
  {
    name: 'rejects a ws_url that is not a websocket or http URL',
    input: { yaml: 'ws_url: ftp://lk.example.com\n' },
    want: ['ws_url: expected a ws://, wss://, http:// or https:// URL'],
  },
  {
    name: 'rejects a bad LIVEKIT_WS_URL and names the env var',
    input: { env: { LIVEKIT_WS_URL: 'localhost:7880' } },
    want: ['LIVEKIT_WS_URL: expected a ws://'],
  },
  {
    name: 'rejects a webhook URL that is not http(s)',
    input: {
      yaml: 'api_key: k\napi_secret: s\nwebhook:\n  urls: [https://ok.example.com, "mailto:x@y"]\n',
    },
    want: ['webhook.urls[1]: expected an http:// or https:// URL'],
  },
  {
    name: 'rejects webhooks without an API key pair to sign them',
    input: { yaml: 'webhook:\n  urls: [https://hooks.example.com]\n' },
    want: ['webhook: webhooks are signed with api_key and api_secret'],
  },
  {
    name: 'rejects a webhook api_key we cannot sign with',
    input: {
      yaml: 'api_key: k1\napi_secret: s1\nwebhook:\n  api_key: other\n  urls: [https://hooks.example.com]\n',
    },
    want: ['webhook.api_key: must equal api_key'],
  },
  {
    name: 'rejects an admin block without a password',
    input: { yaml: 'admin:\n  username: ops\n' },
    want: ['admin.password: required'],
  },
  {
    name: 'rejects an admin block with an empty username',
    input: { yaml: 'admin:\n  username: ""\n  password: pw\n' },
    want: ['admin.username: must not be empty'],
  },
  {
    name: 'lists several problems in one message',
    input: { yaml: 'health_port: x\nredis:\n  db: -1\ncpu_cost:\n  web_cpu_cost: "4"\n' },
    want: [
      'health_port: expected a port number',
      'redis.db: must not be negative',
      'cpu_cost.web_cpu_cost: expected a number',
    ],
  },
  {
    name: 'rejects a list at the top level',
    input: { yaml: '- api_key: k\n' },
    want: ['EGRESS_CONFIG_BODY: expected a map of config keys at the top level'],
  },
  {
    name: 'rejects a scalar at the top level',
    input: { yaml: 'just some text\n' },
    want: ['expected a map of config keys at the top level'],
  },
  {
    name: 'names line and column of a YAML syntax error',
    input: { yaml: 'api_key: k\nws_url: "wss://unclosed\nhealth_port: 1\n' },
    want: ['EGRESS_CONFIG_BODY: YAML syntax error at line', 'column'],
  },
  {
    name: 'rejects a duplicate key with its line',
    input: { yaml: 'api_key: a\napi_key: b\n' },
    want: ['YAML syntax error at line 2, column 1: duplicate key'],
  },
  {
    name: 'rejects tabs used for indentation',
    input: { yaml: 'redis:\n\taddress: x\n' },
    want: ['YAML syntax error at line 2'],
  },
  {
    name: 'rejects more than one YAML document',
    input: { yaml: 'api_key: a\n---\napi_key: b\n' },
    want: ['more than one YAML document'],
  },
  {
    name: 'rejects an alias explosion (billion laughs)',
    input: {
      yaml: `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`,
    },
    want: ['too many YAML alias expansions'],
  },
  {
    name: 'rejects YAML nested too deeply',
    input: { yaml: `foo: ${'['.repeat(5000)}${']'.repeat(5000)}\n` },
    want: ['EGRESS_CONFIG_BODY: YAML syntax error at line 1', 'nested too deeply'],
  },
  {
    name: 'rejects a config body above 1 MiB',
    input: { yaml: `api_key: ${'k'.repeat(1024 * 1024)}\n` },
    want: ['EGRESS_CONFIG_BODY: the config is larger than 1048576 bytes'],
  },
  {
    name: 'rejects a map as a chrome flag value',
    input: { yaml: 'chrome_flags:\n  foo:\n    bar: 1\n' },
    want: ['chrome_flags.foo: expected a string, number or boolean'],
  },
  {
    name: 'rejects a non-string S3 metadata value',
    input: { yaml: 'storage:\n  s3:\n    metadata:\n      n: 1\n' },
    want: ['storage.s3.metadata.n: expected a string'],
  },
  {
    name: 'rejects NaN for a number',
    input: { yaml: 'cpu_cost:\n  max_memory: .nan\n' },
    want: ['cpu_cost.max_memory: expected a number'],
  },
  {
    name: 'rejects infinity for a number',
    input: { yaml: 'cpu_cost:\n  track_cpu_cost: .inf\n' },
    want: ['cpu_cost.track_cpu_cost: expected a number'],
  },
  {
    name: 'rejects a job start deadline below 1 s',
    input: { yaml: 'job_start_deadline_sec: 0\n' },
    want: ['job_start_deadline_sec: must be at least 1'],
  },
  {
    name: 'rejects a queued start affinity above 1',
    input: { yaml: 'queued_start_affinity: 1.5\n' },
    want: ['queued_start_affinity: must be between 0 and 1'],
  },
  {
    name: 'rejects a negative warm pool size',
    input: { yaml: 'warm_pool_size: -1\n' },
    want: ['warm_pool_size: must not be negative'],
  },
  {
    name: 'rejects a negative shutdown grace',
    input: { yaml: 'shutdown_grace_sec: -1\n' },
    want: ['shutdown_grace_sec: must not be negative'],
  },
  {
    name: 'rejects an empty local_output_dir',
    input: { yaml: 'local_output_dir: ""\n' },
    want: ['local_output_dir: must not be empty'],
  },
  {
    name: 'rejects a negative max_memory',
    input: { yaml: 'cpu_cost:\n  max_memory: -2\n' },
    want: ['cpu_cost.max_memory: must not be negative'],
  },
  {
    name: 'rejects a fractional file size limit',
    input: { yaml: 'session_limits:\n  file_output_max_size: 1.5\n' },
    want: ['session_limits.file_output_max_size: expected a whole number'],
  },
  {
    name: 'rejects a boolean for a string',
    input: { yaml: 'cluster_id: true\n' },
    want: ['cluster_id: expected a string'],
  },
  {
    name: 'rejects a scalar for a block',
    input: { yaml: 'cpu_cost: high\n' },
    want: ['cpu_cost: expected a map'],
  },
];

const warningCases: { name: string; input: Input; want: string[] }[] = [
  {
    name: 'names each Go key it reads but does not apply yet',
    input: {
      yaml: 'video_encoder_threads: 2\nlatency:\n  pipeline_latency: 3s\nredis:\n  address: a:1\n  pool_size: 3\n',
    },
    want: [
      'video_encoder_threads: read as Go reads it, but not applied yet by this service',
      'redis.pool_size: read as Go reads it, but not applied yet by this service',
      'latency: read as Go reads it, but not applied yet by this service',
    ],
  },
  {
    name: 'warns that only the first of several top-level providers is used, as Go',
    input: { yaml: 'gcp:\n  bucket: g\ns3:\n  bucket: a\n' },
    want: ['top-level storage: more than one provider set (s3, gcp); only s3 is used'],
  },
  {
    name: 'warns about nothing for a clean config',
    input: { yaml: 'api_key: k\nstorage:\n  s3:\n    bucket: b\n' },
    want: [],
  },
  {
    name: 'warns about an unknown top-level key',
    input: { yaml: 'api_kee: k\n' },
    want: ['api_kee: unknown key, ignored'],
  },
  {
    name: 'warns about an unknown nested key with its full path',
    input: { yaml: 'storage:\n  s3:\n    buckett: b\n' },
    want: ['storage.s3.buckett: unknown key, ignored'],
  },
  {
    name: 'warns about unknown keys at several depths',
    input: { yaml: 'redis:\n  tls:\n    verify: true\ncpu_cost:\n  gpu_cost: 1\n' },
    want: ['redis.tls.verify: unknown key, ignored', 'cpu_cost.gpu_cost: unknown key, ignored'],
  },
  {
    name: 'warns about an unknown key without a value',
    input: { yaml: 'mystery:\n' },
    want: ['mystery: unknown key, ignored'],
  },
  {
    name: 'says when a Go setting is ignored here',
    input: { yaml: 'logging:\n  sample: true\nlatency_overrides:\n  track: {}\n' },
    want: [
      'logging.sample: a Go egress setting this service does not use, ignored',
      'latency_overrides: a Go egress setting this service does not use, ignored',
    ],
  },
  {
    name: 'warns about the stale README key backup_storage',
    input: { yaml: 'backup_storage: /backup\n' },
    want: ['backup_storage: unknown key, ignored'],
  },
  {
    name: 'warns when a storage block sets several providers',
    input: { yaml: 'storage:\n  gcp:\n    bucket: g\n  s3:\n    bucket: s\n' },
    want: ['storage: more than one provider set (s3, gcp); only s3 is used'],
  },
  {
    name: 'warns and falls back for an unknown memory_source',
    input: { yaml: 'cpu_cost:\n  memory_source: swap\n' },
    want: ['cpu_cost.memory_source: expected one of proc_rss, cgroup; using proc_rss'],
  },
  {
    name: 'quotes an odd unknown key name',
    input: { yaml: 'storage:\n  "weird key": 1\n' },
    want: ['storage."weird key": unknown key, ignored'],
  },
  {
    name: 'warns about a __proto__ key',
    input: { yaml: '__proto__:\n  polluted: true\n' },
    want: ['__proto__: unknown key, ignored'],
  },
];

/** A value that must never appear in an error message. */
const SECRET = 'S3CR3T-d0nt-l3ak';

const secretCases: { name: string; input: Input; want: string }[] = [
  {
    name: 'a secret given as a list',
    input: { yaml: `api_secret: [${SECRET}]\n` },
    want: 'api_secret: expected a string',
  },
  {
    name: 'a secret in a map where a string belongs',
    input: { yaml: `redis:\n  password:\n    ${SECRET}: 1\n` },
    want: 'redis.password: expected a string',
  },
  {
    name: 'a syntax error on the line of a secret',
    input: { yaml: `api_key: k\napi_secret: "${SECRET}\n` },
    want: 'YAML syntax error',
  },
  {
    name: 'a duplicate key holding a secret',
    input: { yaml: `api_secret: ${SECRET}\napi_secret: ${SECRET}2\n` },
    want: 'duplicate key',
  },
  {
    name: 'a tab-indented line with a secret',
    input: { yaml: `storage:\n  s3:\n\tsecret: ${SECRET}\n` },
    want: 'YAML syntax error',
  },
  {
    name: 'a secret pasted into ws_url',
    input: { yaml: `ws_url: ${SECRET}\n` },
    want: 'ws_url: expected',
  },
  {
    name: 'a secret pasted into a duration',
    input: { yaml: `io_create_timeout: ${SECRET}\n` },
    want: 'io_create_timeout: expected a duration',
  },
  {
    name: 'a secret in LOG_LEVEL',
    input: { env: { LOG_LEVEL: SECRET } },
    want: 'LOG_LEVEL: expected one of',
  },
  {
    name: 'a secret as the webhook api key',
    input: {
      yaml: `api_key: k\napi_secret: s\nwebhook:\n  api_key: ${SECRET}\n  urls: [https://h.example.com]\n`,
    },
    want: 'webhook.api_key: must equal api_key',
  },
  {
    name: 'a secret in a webhook URL',
    input: {
      yaml: `api_key: k\napi_secret: s\nwebhook:\n  urls: ["hook://${SECRET}@x"]\n`,
    },
    want: 'webhook.urls[0]: expected an http',
  },
  {
    name: 'a secret as a number where a port belongs',
    input: { yaml: `health_port: "${SECRET}"\n` },
    want: 'health_port: expected a port number',
  },
];

describe('loadConfig', () => {
  for (const c of valueCases) {
    it(c.name, () => {
      const { config } = load(c.input);
      for (const [key, want] of Object.entries(c.want)) {
        assert.deepEqual(get(config, key), want, key);
      }
    });
  }

  for (const c of errorCases) {
    it(c.name, () => {
      const err = loadError(c.input);
      assert.equal(err.code, 'invalid_argument');
      for (const want of c.want) assert.ok(err.message.includes(want), err.message);
    });
  }

  for (const c of warningCases) {
    it(c.name, () => {
      const { warnings } = load(c.input);
      assert.deepEqual(warnings, c.want);
    });
  }

  for (const c of secretCases) {
    it(`never echoes ${c.name} in the error`, () => {
      const err = loadError(c.input);
      assert.ok(err.message.includes(c.want), err.message);
      assert.ok(!err.message.includes('S3CR3T'), err.message);
      assert.ok(!JSON.stringify(err.toJSON()).includes('S3CR3T'));
      assert.ok(!String(err.stack).includes('S3CR3T'));
    });
  }

  it('warns about unknown keys even when the config is rejected', () => {
    const warnings: string[] = [];
    assert.throws(
      () =>
        loadConfig(
          { EGRESS_CONFIG_BODY: 'foo: 1\nhealth_port: x\n' },
          { onWarning: (m) => warnings.push(m) },
        ),
      /health_port: expected a port number/,
    );
    assert.deepEqual(warnings, ['foo: unknown key, ignored']);
  });

  it('summarises unknown keys after the first 50', () => {
    const yaml = Array.from({ length: 60 }, (_, i) => `key${i}: 1`).join('\n');
    const { warnings } = load({ yaml });
    assert.equal(warnings.length, 51);
    assert.equal(warnings[0], 'key0: unknown key, ignored');
    assert.equal(warnings[50], '10 more unknown keys, ignored');
  });

  it('lists at most 20 problems and counts the rest', () => {
    const flags = Array.from({ length: 25 }, (_, i) => `  k${i}: [x]`).join('\n');
    const err = loadError({ yaml: `chrome_flags:\n${flags}\n` });
    assert.equal(err.message.split('; ').length, 21);
    assert.ok(err.message.endsWith('; and 5 more'), err.message);
    assert.equal(Object.keys(err.details ?? {}).length, 25);
  });

  it('puts each problem in the error details, keyed by path', () => {
    const err = loadError({ yaml: 'health_port: x\nstorage:\n  s3:\n    bucket: 1\n' });
    assert.deepEqual(err.details, {
      health_port: 'expected a port number between 0 and 65535',
      'storage.s3.bucket': 'expected a string',
    });
  });

  it('returns a deeply frozen config', () => {
    const { config } = load({
      yaml: 'storage:\n  s3:\n    bucket: b\n    metadata: {a: b}\nwebhook:\n  urls: []\n',
    });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.cpuCost));
    assert.ok(Object.isFrozen(config.storage?.s3));
    assert.ok(Object.isFrozen(config.storage?.s3?.metadata));
    assert.ok(Object.isFrozen(config.webhook.urls));
    assert.throws(() => {
      (config as { apiKey: string }).apiKey = 'changed';
    }, TypeError);
  });

  it('gives independent results on each call', () => {
    const a = load({ yaml: 'api_key: a\n' }).config;
    const b = load({ yaml: 'api_key: b\n' }).config;
    assert.equal(a.apiKey, 'a');
    assert.equal(b.apiKey, 'b');
    assert.deepEqual(a.cpuCost, b.cpuCost);
  });

  it('does not pollute Object.prototype through a __proto__ key', () => {
    load({ yaml: '__proto__:\n  polluted: true\nchrome_flags:\n  __proto__: x\n' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('reads process env only through its argument', () => {
    const before = process.env.LIVEKIT_API_KEY;
    process.env.LIVEKIT_API_KEY = 'from-process-env';
    try {
      assert.equal(loadConfig({}, { onWarning: () => {} }).apiKey, '');
    } finally {
      if (before === undefined) delete process.env.LIVEKIT_API_KEY;
      else process.env.LIVEKIT_API_KEY = before;
    }
  });

  it('writes warnings to stderr by default', () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      loadConfig({ EGRESS_CONFIG_BODY: 'bogus: 1\n' });
    } finally {
      process.stderr.write = write;
    }
    assert.deepEqual(lines, ['config warning: bogus: unknown key, ignored\n']);
  });
});

describe('loadConfig config sources', () => {
  let dir = '';
  let file = '';

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'egress-config-'));
    file = path.join(dir, 'config.yaml');
    writeFileSync(file, 'api_key: from-file\nhealth_port: 8080\n');
    mkdirSync(path.join(dir, 'a-directory'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const quiet = { onWarning: () => {} };

  it('reads the file named by EGRESS_CONFIG_FILE', () => {
    const config = loadConfig({ EGRESS_CONFIG_FILE: file }, quiet);
    assert.equal(config.apiKey, 'from-file');
    assert.equal(config.healthPort, 8080);
  });

  it('lets EGRESS_CONFIG_BODY win over EGRESS_CONFIG_FILE', () => {
    const config = loadConfig(
      { EGRESS_CONFIG_FILE: file, EGRESS_CONFIG_BODY: 'api_key: from-body\n' },
      quiet,
    );
    assert.equal(config.apiKey, 'from-body');
    assert.equal(config.healthPort, 0);
  });

  it('reads the file when EGRESS_CONFIG_BODY is empty', () => {
    const config = loadConfig({ EGRESS_CONFIG_FILE: file, EGRESS_CONFIG_BODY: '' }, quiet);
    assert.equal(config.apiKey, 'from-file');
  });

  it('resolves a relative EGRESS_CONFIG_FILE against cwd', () => {
    const config = loadConfig({ EGRESS_CONFIG_FILE: 'config.yaml' }, { ...quiet, cwd: dir });
    assert.equal(config.apiKey, 'from-file');
  });

  it('names the path of a missing config file', () => {
    const missing = path.join(dir, 'missing.yaml');
    assert.throws(
      () => loadConfig({ EGRESS_CONFIG_FILE: missing }, quiet),
      (err: unknown) =>
        err instanceof EgressError &&
        err.code === 'invalid_argument' &&
        err.message === `EGRESS_CONFIG_FILE: cannot read ${missing} (no such file)`,
    );
  });

  it('refuses a directory as the config file', () => {
    const target = path.join(dir, 'a-directory');
    assert.throws(
      () => loadConfig({ EGRESS_CONFIG_FILE: target }, quiet),
      (err: unknown) =>
        err instanceof EgressError &&
        err.message === `EGRESS_CONFIG_FILE: ${target} is not a regular file`,
    );
  });

  it('names the file in a YAML syntax error', () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'api_key: [unclosed\n');
    assert.throws(
      () => loadConfig({ EGRESS_CONFIG_FILE: bad }, quiet),
      (err: unknown) =>
        err instanceof EgressError && err.message.startsWith(`${bad}: YAML syntax error at line`),
    );
  });

  it('gives an empty config when neither variable is set', () => {
    const config = loadConfig({}, quiet);
    assert.equal(config.apiKey, '');
    assert.equal(config.templatePort, 7980);
  });
});
