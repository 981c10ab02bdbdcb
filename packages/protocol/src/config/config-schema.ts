import path from 'node:path';
import { z } from 'zod';
import { parseGoDuration } from './go-duration.js';

/** Log levels the config accepts (pino's names; Go's `debug`, `info`, `warn`, `error` are among them). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How memory is measured for admission and the memory kill (Go `cpu_cost.memory_source`). */
export const MEMORY_SOURCES = ['proc_rss', 'cgroup'] as const;
/** One of {@link MEMORY_SOURCES}. */
export type MemorySource = (typeof MEMORY_SOURCES)[number];

/** Go's S3 retry defaults (livekit/egress pkg/config/storage.go). */
const S3_DEFAULT_MAX_RETRIES = 5;
const S3_DEFAULT_MAX_RETRY_DELAY_MS = 5000;
const S3_DEFAULT_MIN_RETRY_DELAY_MS = 100;

/** `redis.tls` (livekit/protocol xtls.Config). */
export interface RedisTlsConfig {
  /** `enabled`. @defaultValue false */
  readonly enabled: boolean;
  /** `insecure`: skip server certificate checks. @defaultValue false */
  readonly insecure: boolean;
  /** `server_name`: SNI and certificate name. @defaultValue '' */
  readonly serverName: string;
  /** `ca_cert_file`: path of a PEM CA bundle. @defaultValue '' */
  readonly caCertFile: string;
  /** `client_cert_file`: path of a PEM client certificate. @defaultValue '' */
  readonly clientCertFile: string;
  /** `client_key_file`: path of the PEM client key. @defaultValue '' */
  readonly clientKeyFile: string;
}

/** `redis` (livekit/protocol redis.RedisConfig). Needed by every service. */
export interface RedisConfig {
  /** `address`: `host:port` of a single Redis. @defaultValue '' */
  readonly address: string;
  /** `username`. @defaultValue '' */
  readonly username: string;
  /** `password` (secret). @defaultValue '' */
  readonly password: string;
  /** `db`: database number. @defaultValue 0 */
  readonly db: number;
  /** `use_tls`: TLS with default settings (Go marks it deprecated in favour of `tls`). @defaultValue false */
  readonly useTls: boolean;
  /** `tls`; `undefined` when the block is absent. */
  readonly tls: RedisTlsConfig | undefined;
  /** `sentinel_master_name`. @defaultValue '' */
  readonly sentinelMasterName: string;
  /** `sentinel_username`. @defaultValue '' */
  readonly sentinelUsername: string;
  /** `sentinel_password` (secret). @defaultValue '' */
  readonly sentinelPassword: string;
  /** `sentinel_addresses`: `host:port` list. @defaultValue [] */
  readonly sentinelAddresses: readonly string[];
  /** `cluster_addresses`: `host:port` list; set for Redis Cluster. @defaultValue [] */
  readonly clusterAddresses: readonly string[];
  /** `dial_timeout` (Go: integer milliseconds); 0 = the client's default. @defaultValue 0 */
  readonly dialTimeoutMs: number;
  /** `read_timeout` (integer milliseconds); 0 = the client's default. @defaultValue 0 */
  readonly readTimeoutMs: number;
  /** `write_timeout` (integer milliseconds); 0 = the client's default. @defaultValue 0 */
  readonly writeTimeoutMs: number;
  /** `max_redirects`: Redis Cluster redirects to follow. @defaultValue 2 */
  readonly maxRedirects: number;
  /** `pool_timeout` (Go duration); 0 = the client's default. @defaultValue 0 */
  readonly poolTimeoutMs: number;
  /** `pool_size`; 0 = the client's default. @defaultValue 0 */
  readonly poolSize: number;
}

/** `logging` (livekit/protocol logger.Config, the keys we use). */
export interface LoggingConfig {
  /** `logging.level`, else the deprecated top-level `log_level`; env `LOG_LEVEL` wins over both. @defaultValue 'info' */
  readonly level: LogLevel;
  /** `logging.json`. Our services always write JSON lines; kept for Go parity. @defaultValue false */
  readonly json: boolean;
}

/** `proxy_config` of an S3 or GCP block. */
export interface StorageProxyConfig {
  /** `url`. @defaultValue '' */
  readonly url: string;
  /** `username`. @defaultValue '' */
  readonly username: string;
  /** `password` (secret). @defaultValue '' */
  readonly password: string;
}

/** `s3` of a storage block (livekit/storage S3Config). */
export interface S3StorageConfig {
  /** `access_key` (secret). @defaultValue '' */
  readonly accessKey: string;
  /** `secret` (secret). @defaultValue '' */
  readonly secret: string;
  /** `session_token` (secret). @defaultValue '' */
  readonly sessionToken: string;
  /** `assume_role_arn`: role to assume with the key above. @defaultValue '' */
  readonly assumeRoleArn: string;
  /** `assume_role_external_id`. @defaultValue '' */
  readonly assumeRoleExternalId: string;
  /** `region`; detected from the bucket when both region and endpoint are empty. @defaultValue '' */
  readonly region: string;
  /** `endpoint`: custom S3-compatible endpoint (MinIO, R2...). @defaultValue '' */
  readonly endpoint: string;
  /** `bucket`. @defaultValue '' */
  readonly bucket: string;
  /** `force_path_style`. @defaultValue false */
  readonly forcePathStyle: boolean;
  /** `proxy_config`; `undefined` when absent. */
  readonly proxy: StorageProxyConfig | undefined;
  /** `max_retries`; 0 falls back to the default. @defaultValue 5 */
  readonly maxRetries: number;
  /** `max_retry_delay` (Go duration); 0 falls back to the default. @defaultValue 5000 */
  readonly maxRetryDelayMs: number;
  /** `min_retry_delay` (Go duration); 0 falls back to the default. @defaultValue 100 */
  readonly minRetryDelayMs: number;
  /** `metadata`: object metadata added to every upload. @defaultValue {} */
  readonly metadata: Readonly<Record<string, string>>;
  /** `tagging`: URL-encoded object tags. @defaultValue '' */
  readonly tagging: string;
  /** `content_disposition`; empty means `inline`, as in Go. @defaultValue '' */
  readonly contentDisposition: string;
}

/** `azure` of a storage block. */
export interface AzureStorageConfig {
  /** `account_name`. @defaultValue '' */
  readonly accountName: string;
  /** `account_key` (secret). @defaultValue '' */
  readonly accountKey: string;
  /** `container_name`. @defaultValue '' */
  readonly containerName: string;
  /**
   * `endpoint` (ours): Blob service URL with the account (an emulator such as Azurite,
   * `http://127.0.0.1:10000/devstoreaccount1`); absent: `https://<account>.blob.core.windows.net`.
   */
  readonly endpoint?: string;
}

/** `gcp` of a storage block. */
export interface GcpStorageConfig {
  /** `credentials_json` (secret): the service account JSON text. @defaultValue '' */
  readonly credentialsJson: string;
  /** `bucket`. @defaultValue '' */
  readonly bucket: string;
  /** `proxy_config`; `undefined` when absent. */
  readonly proxy: StorageProxyConfig | undefined;
  /** `api_endpoint` (ours): the JSON API URL of a GCS emulator; absent: Google's. */
  readonly apiEndpoint?: string;
}

/** `alioss` of a storage block. */
export interface AliOssStorageConfig {
  /** `access_key` (secret). @defaultValue '' */
  readonly accessKey: string;
  /** `secret` (secret). @defaultValue '' */
  readonly secret: string;
  /** `endpoint`. @defaultValue '' */
  readonly endpoint: string;
  /** `bucket`. @defaultValue '' */
  readonly bucket: string;
}

/**
 * A storage block: `storage`, `backup`, or the inline storage keys of `debug`. With several
 * providers set, Go uses the first of s3, gcp, azure, alioss (the loader warns).
 */
export interface StorageConfig {
  /** `prefix`: prepended to every uploaded path. @defaultValue '' */
  readonly prefix: string;
  /** `generate_presigned_url`: report a 7-day GET URL as the location. @defaultValue false */
  readonly generatePresignedUrl: boolean;
  /** `s3`; `undefined` when absent. */
  readonly s3: S3StorageConfig | undefined;
  /** `azure`; `undefined` when absent. */
  readonly azure: AzureStorageConfig | undefined;
  /** `gcp`; `undefined` when absent. */
  readonly gcp: GcpStorageConfig | undefined;
  /** `alioss`; `undefined` when absent. */
  readonly aliOss: AliOssStorageConfig | undefined;
}

/** `session_limits`: 0 means no limit; the smallest relevant limit applies. */
export interface SessionLimitsConfig {
  /** `file_output_max_duration` (Go duration). @defaultValue 0 */
  readonly fileOutputMaxDurationMs: number;
  /** `file_output_max_size` (bytes on disk). @defaultValue 0 */
  readonly fileOutputMaxSizeBytes: number;
  /** `stream_output_max_duration` (Go duration). @defaultValue 0 */
  readonly streamOutputMaxDurationMs: number;
  /** `segment_output_max_duration` (Go duration). @defaultValue 0 */
  readonly segmentOutputMaxDurationMs: number;
  /** `image_output_max_duration` (Go duration). @defaultValue 0 */
  readonly imageOutputMaxDurationMs: number;
}

/** `debug`. */
export interface DebugConfig {
  /** `enable_profiling`: dot file and pprof on internal error. @defaultValue false */
  readonly enableProfiling: boolean;
  /** `enable_track_logging`: log packets and keyframes per track. @defaultValue false */
  readonly enableTrackLogging: boolean;
  /** `enable_stream_logging`: log bytes and keyframes per stream. @defaultValue false */
  readonly enableStreamLogging: boolean;
  /** `enable_chrome_logging`: keep Chrome console events. @defaultValue false */
  readonly enableChromeLogging: boolean;
  /** The inline storage keys of `debug` (where debug files go); `undefined` when none is set. */
  readonly storage: StorageConfig | undefined;
}

/** `latency`: GStreamer and synchronizer latencies; changing them may break recordings. */
export interface LatencyConfig {
  /** `jitter_buffer_latency` (Go duration); 0 falls back. @defaultValue 2000 */
  readonly jitterBufferLatencyMs: number;
  /** `audio_mixer_latency`; 0 falls back. @defaultValue 2750 */
  readonly audioMixerLatencyMs: number;
  /** `pipeline_latency`; 0 falls back. @defaultValue 3000 */
  readonly pipelineLatencyMs: number;
  /**
   * `rtp_max_allowed_ts_diff`; 0 falls back; raised to the jitter buffer latency when smaller.
   * @defaultValue 5000
   */
  readonly rtpMaxAllowedTsDiffMs: number;
  /** `rtp_max_drift_adjustment`; 0 falls back. @defaultValue 5 */
  readonly rtpMaxDriftAdjustmentMs: number;
  /** `rtp_drift_adjustment_window_percent`; 0 disables the throttle. @defaultValue 0 */
  readonly rtpDriftAdjustmentWindowPercent: number;
  /** `old_packet_threshold`; 0 falls back. @defaultValue 2200 */
  readonly oldPacketThresholdMs: number;
}

/** `audio_tempo_controller`. */
export interface AudioTempoControllerConfig {
  /** `enabled`: change the audio tempo to absorb PTS drift. @defaultValue false */
  readonly enabled: boolean;
  /** `adjustment_rate`; outside (0, 0.2] falls back to the default. @defaultValue 0.05 */
  readonly adjustmentRate: number;
}

/**
 * `cpu_cost`: admission by CPU (and optionally memory), as the Go service does. A cost <= 0
 * falls back to its default; `max_cpu_utilization` outside (0, 1] falls back to 0.8.
 */
export interface CpuCostConfig {
  /** `max_cpu_utilization`: share of all CPUs that admission may fill. @defaultValue 0.8 */
  readonly maxCpuUtilization: number;
  /** `max_memory` (GB); 0 disables the memory checks. @defaultValue 0 */
  readonly maxMemoryGb: number;
  /** `memory_cost` (GB): memory reserved per egress. @defaultValue 0 */
  readonly memoryCostGb: number;
  /** `room_composite_cpu_cost` (CPUs). @defaultValue 4 */
  readonly roomCompositeCpuCost: number;
  /** `audio_room_composite_cpu_cost` (CPUs). @defaultValue 1 */
  readonly audioRoomCompositeCpuCost: number;
  /** `sdk_audio_room_composite_cpu_cost` (CPUs). @defaultValue audioRoomCompositeCpuCost */
  readonly sdkAudioRoomCompositeCpuCost: number;
  /** `sdk_audio_room_composite_memory_cost` (GB). @defaultValue memoryCostGb */
  readonly sdkAudioRoomCompositeMemoryCostGb: number;
  /** `web_cpu_cost` (CPUs). @defaultValue 4 */
  readonly webCpuCost: number;
  /** `audio_web_cpu_cost` (CPUs). @defaultValue 1 */
  readonly audioWebCpuCost: number;
  /** `participant_cpu_cost` (CPUs). @defaultValue 2 */
  readonly participantCpuCost: number;
  /** `track_composite_cpu_cost` (CPUs). @defaultValue 1 */
  readonly trackCompositeCpuCost: number;
  /** `track_cpu_cost` (CPUs). @defaultValue 0.5 */
  readonly trackCpuCost: number;
  /** `max_pulse_clients`: Chrome jobs are refused above it; 0 falls back. @defaultValue 60 */
  readonly maxPulseClients: number;
  /** `memory_source`; an unknown value falls back to `proc_rss` with a warning. @defaultValue 'proc_rss' */
  readonly memorySource: MemorySource;
  /** `memory_kill_grace_sec`: time over `max_memory` before the largest egress is killed. @defaultValue 0 */
  readonly memoryKillGraceMs: number;
  /** `cpu_kill_grace_sec`: wait after a graceful CPU stop before the hard kill; 0 falls back. @defaultValue 30000 */
  readonly cpuKillGraceMs: number;
}

/** `webhook` (ours, livekit-server's shape): webhooks the bridge sends in standalone mode. */
export interface WebhookConfig {
  /**
   * `webhook.api_key`: the key named in the signed token. We can only sign with `api_key`, so it
   * must equal `api_key`. @defaultValue the top-level api key
   */
  readonly apiKey: string;
  /** `webhook.urls`: http(s) URLs that receive every egress event; empty disables webhooks. @defaultValue [] */
  readonly urls: readonly string[];
}

/** `admin` (ours): basic auth of Bull Board; Bull Board is off without it. */
export interface AdminConfig {
  /** `admin.username`; required in the block. */
  readonly username: string;
  /** `admin.password` (secret); required in the block. */
  readonly password: string;
}

/**
 * The service config: the Go YAML keys (livekit/egress pkg/config/base.go, service.go) plus a few
 * of ours, in camelCase with defaults applied. Durations are milliseconds (`...Ms`). Deeply frozen
 * when it comes from `loadConfig`.
 */
export interface Config {
  /** `redis`; `undefined` when the block is absent (`assertServiceConfig` demands it). */
  readonly redis: RedisConfig | undefined;
  /** `api_key`, else env `LIVEKIT_API_KEY`. @defaultValue '' */
  readonly apiKey: string;
  /** `api_secret` (secret), else env `LIVEKIT_API_SECRET`. @defaultValue '' */
  readonly apiSecret: string;
  /** `ws_url`, else env `LIVEKIT_WS_URL`: the LiveKit server URL (ws, wss, http or https). @defaultValue '' */
  readonly wsUrl: string;
  /** The resolved log level: env `LOG_LEVEL`, else `logging.level`, else `log_level`. @defaultValue 'info' */
  readonly logLevel: LogLevel;
  /** `logging`, with `level` resolved as {@link Config.logLevel}. */
  readonly logging: LoggingConfig;
  /** `template_base`: base URL of the room composite template. @defaultValue `http://localhost:<template_port>/` */
  readonly templateBase: string;
  /** `cluster_id`: only requests for this cluster are taken. @defaultValue '' */
  readonly clusterId: string;
  /** `enable_chrome_sandbox`: run Chrome with its sandbox (needs extra container rights). @defaultValue false */
  readonly enableChromeSandbox: boolean;
  /** `max_upload_queue` (minutes of segments or images waiting for upload); <= 0 falls back. @defaultValue 60 */
  readonly maxUploadQueueMinutes: number;
  /** `disallow_local_storage`: refuse requests that would write to local disk. @defaultValue false */
  readonly disallowLocalStorage: boolean;
  /** `io_create_timeout` (Go duration); 0 falls back. @defaultValue 15000 */
  readonly ioCreateTimeoutMs: number;
  /** `io_update_timeout` (Go duration); 0 falls back. @defaultValue 30000 */
  readonly ioUpdateTimeoutMs: number;
  /** `io_selection_timeout` (Go duration): psrpc affinity wait for IOInfo; 0 = the psrpc default. @defaultValue 0 */
  readonly ioSelectionTimeoutMs: number;
  /** `io_workers`: parallel IOInfo update workers; <= 0 falls back. @defaultValue 5 */
  readonly ioWorkers: number;
  /** `session_limits`. */
  readonly sessionLimits: SessionLimitsConfig;
  /**
   * `storage`: where outputs go when a request names no storage; `undefined` = local files. Go
   * egress up to v1.8 read the providers at the top level (`s3`, `azure`, `gcp`, `alioss`, as its
   * README still shows): without `storage` they are read as it; with it, the config is refused.
   * Empty credentials fall back to the env the Go README names: `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_DEFAULT_REGION`, `AZURE_STORAGE_ACCOUNT`,
   * `AZURE_STORAGE_KEY` (GCS reads `GOOGLE_APPLICATION_CREDENTIALS` itself).
   */
  readonly storage: StorageConfig | undefined;
  /** `backup`: used when an upload to the primary storage fails; `undefined` = none. */
  readonly backup: StorageConfig | undefined;
  /** `s3_assume_role_key` (secret): key used to assume `assume_role_arn` roles. @defaultValue '' */
  readonly s3AssumeRoleKey: string;
  /** `s3_assume_role_secret` (secret). @defaultValue '' */
  readonly s3AssumeRoleSecret: string;
  /** `s3_assume_role_arn`: default role for S3 uploads. @defaultValue '' */
  readonly s3AssumeRoleArn: string;
  /** `s3_assume_role_external_id`. @defaultValue '' */
  readonly s3AssumeRoleExternalId: string;
  /** `insecure`: let Chrome load insecure content and connect to an insecure websocket. @defaultValue false */
  readonly insecure: boolean;
  /** `debug`. */
  readonly debug: DebugConfig;
  /** `chrome_flags`: extra Chrome flags; `true` adds `--flag`, `false` removes it, other values give `--flag=value`. @defaultValue {} */
  readonly chromeFlags: Readonly<Record<string, string | number | boolean>>;
  /** `latency`. */
  readonly latency: LatencyConfig;
  /** `video_encoder_threads`: x264 threads; 0 = x264's own choice. @defaultValue 0 */
  readonly videoEncoderThreads: number;
  /** `enable_one_shot_sender_report_sync` (Go rollout flag). @defaultValue false */
  readonly enableOneShotSenderReportSync: boolean;
  /** `enable_sync_engine`: the newer synchronizer. @defaultValue false */
  readonly enableSyncEngine: boolean;
  /** `audio_tempo_controller`. */
  readonly audioTempoController: AudioTempoControllerConfig;
  /** `health_port`: health JSON on any path; 0 = off. @defaultValue 0 */
  readonly healthPort: number;
  /** `template_port`: the built-in template server (localhost only); 0 falls back, as in Go. @defaultValue 7980 */
  readonly templatePort: number;
  /** `prometheus_port`: metrics; 0 = off. @defaultValue 0 */
  readonly prometheusPort: number;
  /** `debug_handler_port`: pipeline dot graphs and pprof; 0 = off. @defaultValue 0 */
  readonly debugHandlerPort: number;
  /**
   * `pulse_sink_reap_grace_sec`: how long a leaked PulseAudio sink stays before it is unloaded;
   * 0 falls back, a negative value disables reaping (`null`). @defaultValue 30000
   */
  readonly pulseSinkReapGraceMs: number | null;
  /** `cpu_cost`. */
  readonly cpuCost: CpuCostConfig;
  /**
   * `api_port` (ours): port of the bridge's HTTP server (Twirp `/twirp/livekit.Egress/*`, Bull
   * Board when `admin` is set); 0 = off (psrpc only). @defaultValue 7981
   */
  readonly apiPort: number;
  /** `webhook` (ours). */
  readonly webhook: WebhookConfig;
  /** `admin` (ours); `undefined` = Bull Board off. */
  readonly admin: AdminConfig | undefined;
  /**
   * `shutdown_grace_sec` (ours): after SIGTERM, how long running egresses may finish before they
   * are stopped (Go waits without a bound). @defaultValue 3600000
   */
  readonly shutdownGraceMs: number;
  /**
   * `start_signal_timeout_sec` (ours): how long a composite waits for START_RECORDING before it
   * fails with "Start signal not received"; 0 waits forever, as Go does. @defaultValue 30000
   */
  readonly startSignalTimeoutMs: number;
  /**
   * `job_start_deadline_sec` (ours): a queued job that no worker starts by then ends ABORTED
   * (Go answers 503 instead). @defaultValue 30000
   */
  readonly jobStartDeadlineMs: number;
  /**
   * `warm_pool_size` (ours): egress processes a composite worker keeps started (display, audio
   * sink and browser on a blank page) so a job skips their start; 0 disables. @defaultValue 1
   */
  readonly warmPoolSize: number;
  /**
   * `queued_start_affinity` (ours): the psrpc affinity the bridge claims a StartEgress with when
   * no live worker of its pool can start it now, so the job waits in its queue (up to
   * `job_start_deadline_sec`) for a worker to free up or to start, as a pool that scales from
   * zero needs. Keep it low (e.g. 0.1) so a server that can start the egress at once wins.
   * 0 = no claim, as Go. @defaultValue 0
   */
  readonly queuedStartAffinity: number;
  /**
   * `local_output_dir` (ours): where outputs without storage are written, resolved against the
   * process working directory (Go writes relative to `/`). @defaultValue `<cwd>/out`
   */
  readonly localOutputDir: string;
  /**
   * `local_directory` (Go egress up to v1.5): where workers write media before it is uploaded (a
   * folder per egress), resolved against the process working directory; it does not change where
   * outputs without storage end up (`local_output_dir`). `undefined`: the OS temp folder.
   */
  readonly localDirectory: string | undefined;
}

/** Environment variables the schema reads (only these). */
export interface ConfigEnv {
  readonly LIVEKIT_API_KEY?: string | undefined;
  readonly LIVEKIT_API_SECRET?: string | undefined;
  readonly LIVEKIT_WS_URL?: string | undefined;
  readonly LOG_LEVEL?: string | undefined;
  readonly AWS_ACCESS_KEY_ID?: string | undefined;
  readonly AWS_SECRET_ACCESS_KEY?: string | undefined;
  readonly AWS_SESSION_TOKEN?: string | undefined;
  readonly AWS_DEFAULT_REGION?: string | undefined;
  readonly AZURE_STORAGE_ACCOUNT?: string | undefined;
  readonly AZURE_STORAGE_KEY?: string | undefined;
}

/** Options of {@link createConfigSchema}. */
export interface ConfigSchemaOptions {
  /** Env fallbacks; `loadConfig` passes the process env. @defaultValue {} */
  env?: ConfigEnv;
  /** Receives non-fatal findings (a value that fell back). @defaultValue dropped */
  onWarning?: (message: string) => void;
  /** Base for a relative `local_output_dir`. @defaultValue process.cwd() */
  cwd?: string;
}

const DURATION_MESSAGE = 'expected a duration such as "30s" or "1h30m"';

function str() {
  return z.string({ error: 'expected a string' });
}

function text() {
  return str().default('');
}

function flag() {
  return z.boolean({ error: 'expected true or false' }).default(false);
}

function num() {
  return z.number({ error: 'expected a number' });
}

function nonNegative() {
  return num().min(0, { error: 'must not be negative' });
}

function whole() {
  return z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' });
}

function wholeNonNegative() {
  return whole().min(0, { error: 'must not be negative' });
}

function port(defaultPort: number) {
  const message = 'expected a port number between 0 and 65535';
  return z
    .number({ error: message })
    .int({ error: message })
    .min(0, { error: message })
    .max(65535, { error: message })
    .default(defaultPort);
}

/** A CPU cost in CPUs: <= 0 falls back to the default, as in Go's InitDefaults. */
function cost(defaultCost: number) {
  return num()
    .optional()
    .transform((value) => (value === undefined || value <= 0 ? defaultCost : value));
}

/** Seconds (ours) turned into milliseconds. */
function secondsAsMs(defaultSec: number) {
  return nonNegative()
    .default(defaultSec)
    .transform((sec) => sec * 1000);
}

/**
 * A Go duration string (or the number 0) turned into milliseconds; 0 or absent gives
 * `defaultMs`. Negative durations are refused.
 */
function durationMs(defaultMs = 0) {
  return z
    .unknown()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return defaultMs;
      const ms = value === 0 ? 0 : typeof value === 'string' ? parseGoDuration(value) : undefined;
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: DURATION_MESSAGE });
        return z.NEVER;
      }
      if (ms < 0) {
        ctx.addIssue({ code: 'custom', message: 'must not be negative' });
        return z.NEVER;
      }
      return ms === 0 ? defaultMs : ms;
    });
}

function list<T extends z.ZodType>(item: T) {
  return z.array(item, { error: 'expected a list' }).default(() => []);
}

function map<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value, { error: 'expected a map' }).default(() => ({}));
}

/** A YAML map with known keys; unknown keys become warnings in `loadConfig`. */
function block<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? 'expected a map' : undefined),
  });
}

function logLevel() {
  return str().transform((value, ctx): LogLevel | undefined => {
    if (value === '') return undefined;
    const level = toLogLevel(value);
    if (level === undefined) {
      ctx.addIssue({ code: 'custom', message: LOG_LEVEL_MESSAGE });
      return z.NEVER;
    }
    return level;
  });
}

const LOG_LEVEL_MESSAGE = `expected one of ${LOG_LEVELS.join(', ')}`;

function toLogLevel(value: string): LogLevel | undefined {
  const lower = value.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : undefined;
}

function isUrlWithProtocol(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    // Not a URL at all: the caller reports it.
    return false;
  }
}

const proxyBlock = block({
  url: text(),
  username: text(),
  password: text(),
}).transform(
  (v): StorageProxyConfig => ({ url: v.url, username: v.username, password: v.password }),
);

const s3Block = block({
  access_key: text(),
  secret: text(),
  session_token: text(),
  assume_role_arn: text(),
  assume_role_external_id: text(),
  region: text(),
  endpoint: text(),
  bucket: text(),
  force_path_style: flag(),
  proxy_config: proxyBlock.optional(),
  max_retries: wholeNonNegative().default(0),
  max_retry_delay: durationMs(S3_DEFAULT_MAX_RETRY_DELAY_MS),
  min_retry_delay: durationMs(S3_DEFAULT_MIN_RETRY_DELAY_MS),
  metadata: map(str()),
  tagging: text(),
  content_disposition: text(),
}).transform(
  (v): S3StorageConfig => ({
    accessKey: v.access_key,
    secret: v.secret,
    sessionToken: v.session_token,
    assumeRoleArn: v.assume_role_arn,
    assumeRoleExternalId: v.assume_role_external_id,
    region: v.region,
    endpoint: v.endpoint,
    bucket: v.bucket,
    forcePathStyle: v.force_path_style,
    proxy: v.proxy_config ?? undefined,
    maxRetries: v.max_retries === 0 ? S3_DEFAULT_MAX_RETRIES : v.max_retries,
    maxRetryDelayMs: v.max_retry_delay,
    minRetryDelayMs: v.min_retry_delay,
    metadata: v.metadata,
    tagging: v.tagging,
    contentDisposition: v.content_disposition,
  }),
);

const azureBlock = block({
  account_name: text(),
  account_key: text(),
  container_name: text(),
  endpoint: text(),
}).transform(
  (v): AzureStorageConfig => ({
    accountName: v.account_name,
    accountKey: v.account_key,
    containerName: v.container_name,
    ...(v.endpoint ? { endpoint: v.endpoint } : {}),
  }),
);

const gcpBlock = block({
  credentials_json: text(),
  bucket: text(),
  proxy_config: proxyBlock.optional(),
  api_endpoint: text(),
}).transform(
  (v): GcpStorageConfig => ({
    credentialsJson: v.credentials_json,
    bucket: v.bucket,
    proxy: v.proxy_config ?? undefined,
    ...(v.api_endpoint ? { apiEndpoint: v.api_endpoint } : {}),
  }),
);

const aliOssBlock = block({
  access_key: text(),
  secret: text(),
  endpoint: text(),
  bucket: text(),
}).transform(
  (v): AliOssStorageConfig => ({
    accessKey: v.access_key,
    secret: v.secret,
    endpoint: v.endpoint,
    bucket: v.bucket,
  }),
);

/** The keys of a storage block, shared by `storage`, `backup` and (inline) `debug`. */
const storageShape = {
  prefix: text(),
  generate_presigned_url: flag(),
  s3: s3Block.optional(),
  azure: azureBlock.optional(),
  gcp: gcpBlock.optional(),
  alioss: aliOssBlock.optional(),
};

type StorageInput = {
  prefix: string;
  generate_presigned_url: boolean;
  s3?: S3StorageConfig | undefined;
  azure?: AzureStorageConfig | undefined;
  gcp?: GcpStorageConfig | undefined;
  alioss?: AliOssStorageConfig | undefined;
};

/** The provider keys Go egress up to v1.8 read at the top level, as the `storage` block now. */
const TOP_LEVEL_PROVIDERS = ['s3', 'azure', 'gcp', 'alioss'] as const;

/** Empty credentials of a storage block, filled from the env the Go README names. */
function withEnvCredentials(storage: StorageConfig, env: ConfigEnv): StorageConfig {
  const { s3, azure } = storage;
  const hasS3Key = s3 !== undefined && s3.accessKey !== '';
  return {
    ...storage,
    s3: s3 && {
      ...s3,
      accessKey: s3.accessKey || (env.AWS_ACCESS_KEY_ID ?? ''),
      secret: hasS3Key ? s3.secret : s3.secret || (env.AWS_SECRET_ACCESS_KEY ?? ''),
      sessionToken: hasS3Key ? s3.sessionToken : s3.sessionToken || (env.AWS_SESSION_TOKEN ?? ''),
      region: s3.region || (env.AWS_DEFAULT_REGION ?? ''),
    },
    azure: azure && {
      ...azure,
      accountName: azure.accountName || (env.AZURE_STORAGE_ACCOUNT ?? ''),
      accountKey: azure.accountKey || (env.AZURE_STORAGE_KEY ?? ''),
    },
  };
}

function toStorage(v: StorageInput, label: string, warn: (message: string) => void): StorageConfig {
  // Go's uploader picks the first of these (pkg/pipeline/sink/uploader/uploader.go).
  const set = (['s3', 'gcp', 'azure', 'alioss'] as const).filter((k) => v[k] !== undefined);
  if (set.length > 1) {
    warn(`${label}: more than one provider set (${set.join(', ')}); only ${set[0]} is used`);
  }
  return {
    prefix: v.prefix,
    generatePresignedUrl: v.generate_presigned_url,
    s3: v.s3 ?? undefined,
    azure: v.azure ?? undefined,
    gcp: v.gcp ?? undefined,
    aliOss: v.alioss ?? undefined,
  };
}

/**
 * Builds the config schema: it takes the YAML tree (Go key names, `null` values already turned
 * into `undefined`) and gives the camelCase {@link Config} with defaults applied. Every map is
 * strict, so unknown keys come out as `unrecognized_keys` issues, which `loadConfig` turns into
 * warnings. Cross-field rules are issues too (at the key to change, or the env var's name).
 */
export function createConfigSchema(options: ConfigSchemaOptions = {}) {
  const env = options.env ?? {};
  const warn = options.onWarning ?? (() => {});
  const cwd = options.cwd ?? process.cwd();

  const redisBlock = block({
    address: text(),
    username: text(),
    password: text(),
    db: wholeNonNegative().default(0),
    use_tls: flag(),
    tls: block({
      enabled: flag(),
      insecure: flag(),
      server_name: text(),
      ca_cert_file: text(),
      client_cert_file: text(),
      client_key_file: text(),
    }).optional(),
    sentinel_master_name: text(),
    sentinel_username: text(),
    sentinel_password: text(),
    sentinel_addresses: list(str()),
    cluster_addresses: list(str()),
    dial_timeout: wholeNonNegative().default(0),
    read_timeout: wholeNonNegative().default(0),
    write_timeout: wholeNonNegative().default(0),
    max_redirects: wholeNonNegative().default(2),
    pool_timeout: durationMs(0),
    pool_size: wholeNonNegative().default(0),
  }).transform(
    (v): RedisConfig => ({
      address: v.address,
      username: v.username,
      password: v.password,
      db: v.db,
      useTls: v.use_tls,
      tls:
        v.tls === undefined
          ? undefined
          : {
              enabled: v.tls.enabled,
              insecure: v.tls.insecure,
              serverName: v.tls.server_name,
              caCertFile: v.tls.ca_cert_file,
              clientCertFile: v.tls.client_cert_file,
              clientKeyFile: v.tls.client_key_file,
            },
      sentinelMasterName: v.sentinel_master_name,
      sentinelUsername: v.sentinel_username,
      sentinelPassword: v.sentinel_password,
      sentinelAddresses: v.sentinel_addresses,
      clusterAddresses: v.cluster_addresses,
      dialTimeoutMs: v.dial_timeout,
      readTimeoutMs: v.read_timeout,
      writeTimeoutMs: v.write_timeout,
      maxRedirects: v.max_redirects,
      poolTimeoutMs: v.pool_timeout,
      poolSize: v.pool_size,
    }),
  );

  const storageBlock = (label: string) =>
    block(storageShape).transform((v) => toStorage(v, label, warn));

  const cpuCostBlock = block({
    max_cpu_utilization: num()
      .optional()
      .transform((v) => (v === undefined || v <= 0 || v > 1 ? 0.8 : v)),
    max_memory: nonNegative().default(0),
    memory_cost: nonNegative().default(0),
    room_composite_cpu_cost: cost(4),
    audio_room_composite_cpu_cost: cost(1),
    sdk_audio_room_composite_cpu_cost: cost(0),
    sdk_audio_room_composite_memory_cost: cost(0),
    web_cpu_cost: cost(4),
    audio_web_cpu_cost: cost(1),
    participant_cpu_cost: cost(2),
    track_composite_cpu_cost: cost(1),
    track_cpu_cost: cost(0.5),
    max_pulse_clients: wholeNonNegative()
      .default(0)
      .transform((v) => (v === 0 ? 60 : v)),
    memory_source: str().default('proc_rss'),
    memory_kill_grace_sec: wholeNonNegative().default(0),
    cpu_kill_grace_sec: whole()
      .default(0)
      .transform((v) => (v <= 0 ? 30 : v)),
  }).transform((v): CpuCostConfig => {
    let memorySource: MemorySource = 'proc_rss';
    if ((MEMORY_SOURCES as readonly string[]).includes(v.memory_source)) {
      memorySource = v.memory_source as MemorySource;
    } else if (v.memory_source !== '') {
      // Go warns and falls back too (service.go InitDefaults).
      warn(`cpu_cost.memory_source: expected one of ${MEMORY_SOURCES.join(', ')}; using proc_rss`);
    }
    return {
      maxCpuUtilization: v.max_cpu_utilization,
      maxMemoryGb: v.max_memory,
      memoryCostGb: v.memory_cost,
      roomCompositeCpuCost: v.room_composite_cpu_cost,
      audioRoomCompositeCpuCost: v.audio_room_composite_cpu_cost,
      // 0 here means "not set": Go falls back to the audio room composite cost / memory cost.
      sdkAudioRoomCompositeCpuCost:
        v.sdk_audio_room_composite_cpu_cost || v.audio_room_composite_cpu_cost,
      sdkAudioRoomCompositeMemoryCostGb: v.sdk_audio_room_composite_memory_cost || v.memory_cost,
      webCpuCost: v.web_cpu_cost,
      audioWebCpuCost: v.audio_web_cpu_cost,
      participantCpuCost: v.participant_cpu_cost,
      trackCompositeCpuCost: v.track_composite_cpu_cost,
      trackCpuCost: v.track_cpu_cost,
      maxPulseClients: v.max_pulse_clients,
      memorySource,
      memoryKillGraceMs: v.memory_kill_grace_sec * 1000,
      cpuKillGraceMs: v.cpu_kill_grace_sec * 1000,
    };
  });

  const latencyBlock = block({
    jitter_buffer_latency: durationMs(2000),
    audio_mixer_latency: durationMs(2750),
    pipeline_latency: durationMs(3000),
    rtp_max_allowed_ts_diff: durationMs(5000),
    rtp_max_drift_adjustment: durationMs(5),
    rtp_drift_adjustment_window_percent: nonNegative().default(0),
    old_packet_threshold: durationMs(2200),
  }).transform(
    (v): LatencyConfig => ({
      jitterBufferLatencyMs: v.jitter_buffer_latency,
      audioMixerLatencyMs: v.audio_mixer_latency,
      pipelineLatencyMs: v.pipeline_latency,
      // Must absorb a jitter buffer burst (service.go applyLatencyDefaults).
      rtpMaxAllowedTsDiffMs: Math.max(v.rtp_max_allowed_ts_diff, v.jitter_buffer_latency),
      rtpMaxDriftAdjustmentMs: v.rtp_max_drift_adjustment,
      rtpDriftAdjustmentWindowPercent: v.rtp_drift_adjustment_window_percent,
      oldPacketThresholdMs: v.old_packet_threshold,
    }),
  );

  return block({
    redis: redisBlock.optional(),
    api_key: str().optional(),
    api_secret: str().optional(),
    ws_url: str().optional(),
    logging: block({ level: logLevel().optional(), json: flag() }).prefault({}),
    log_level: logLevel().optional(),
    template_base: text(),
    cluster_id: text(),
    enable_chrome_sandbox: flag(),
    max_upload_queue: whole()
      .default(0)
      .transform((v) => (v <= 0 ? 60 : v)),
    disallow_local_storage: flag(),
    io_create_timeout: durationMs(15_000),
    io_update_timeout: durationMs(30_000),
    io_selection_timeout: durationMs(0),
    io_workers: whole()
      .default(0)
      .transform((v) => (v <= 0 ? 5 : v)),
    session_limits: block({
      file_output_max_duration: durationMs(0),
      file_output_max_size: wholeNonNegative().default(0),
      stream_output_max_duration: durationMs(0),
      segment_output_max_duration: durationMs(0),
      image_output_max_duration: durationMs(0),
    }).prefault({}),
    storage: storageBlock('storage').optional(),
    backup: storageBlock('backup').optional(),
    s3: s3Block.optional(),
    azure: azureBlock.optional(),
    gcp: gcpBlock.optional(),
    alioss: aliOssBlock.optional(),
    local_directory: text(),
    s3_assume_role_key: text(),
    s3_assume_role_secret: text(),
    s3_assume_role_arn: text(),
    s3_assume_role_external_id: text(),
    insecure: flag(),
    debug: block({
      enable_profiling: flag(),
      enable_track_logging: flag(),
      enable_stream_logging: flag(),
      enable_chrome_logging: flag(),
      ...storageShape,
    }).prefault({}),
    chrome_flags: map(
      z.union([z.string(), z.number(), z.boolean()], {
        error: 'expected a string, number or boolean',
      }),
    ),
    latency: latencyBlock.prefault({}),
    video_encoder_threads: wholeNonNegative().default(0),
    enable_one_shot_sender_report_sync: flag(),
    enable_sync_engine: flag(),
    audio_tempo_controller: block({
      enabled: flag(),
      adjustment_rate: num().default(0),
    }).prefault({}),
    health_port: port(0),
    template_port: port(0),
    prometheus_port: port(0),
    debug_handler_port: port(0),
    pulse_sink_reap_grace_sec: whole().default(0),
    cpu_cost: cpuCostBlock.prefault({}),
    api_port: port(7981),
    webhook: block({
      api_key: str().optional(),
      urls: list(str()),
    }).prefault({}),
    admin: block({
      username: z.string({ error: requiredString }).min(1, { error: 'must not be empty' }),
      password: z.string({ error: requiredString }).min(1, { error: 'must not be empty' }),
    }).optional(),
    shutdown_grace_sec: secondsAsMs(3600),
    start_signal_timeout_sec: secondsAsMs(30),
    job_start_deadline_sec: num()
      .min(1, { error: 'must be at least 1' })
      .default(30)
      .transform((sec) => sec * 1000),
    warm_pool_size: wholeNonNegative().default(1),
    queued_start_affinity: num()
      .min(0, { error: 'must be between 0 and 1' })
      .max(1, { error: 'must be between 0 and 1' })
      .default(0),
    local_output_dir: z
      .string({ error: 'expected a string' })
      .min(1, { error: 'must not be empty' })
      .default('./out'),
  }).transform((v, ctx): Config => {
    // Go reads the env first and lets the YAML override it; an empty YAML value counts as unset.
    const apiKey = v.api_key || env.LIVEKIT_API_KEY || '';
    const apiSecret = v.api_secret || env.LIVEKIT_API_SECRET || '';
    const wsUrl = v.ws_url || env.LIVEKIT_WS_URL || '';
    if (wsUrl !== '' && !isUrlWithProtocol(wsUrl, ['ws:', 'wss:', 'http:', 'https:'])) {
      ctx.addIssue({
        code: 'custom',
        path: [v.ws_url ? 'ws_url' : 'LIVEKIT_WS_URL'],
        message: 'expected a ws://, wss://, http:// or https:// URL',
      });
    }

    let envLevel: LogLevel | undefined;
    if (env.LOG_LEVEL) {
      envLevel = toLogLevel(env.LOG_LEVEL);
      if (envLevel === undefined) {
        ctx.addIssue({ code: 'custom', path: ['LOG_LEVEL'], message: LOG_LEVEL_MESSAGE });
      }
    }
    const level = envLevel ?? v.logging.level ?? v.log_level ?? 'info';

    v.webhook.urls.forEach((url, i) => {
      if (!isUrlWithProtocol(url, ['http:', 'https:'])) {
        ctx.addIssue({
          code: 'custom',
          path: ['webhook', 'urls', i],
          message: 'expected an http:// or https:// URL',
        });
      }
    });
    const webhookKey = v.webhook.api_key || apiKey;
    if (v.webhook.urls.length > 0) {
      if (apiKey === '' || apiSecret === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['webhook'],
          message:
            'webhooks are signed with api_key and api_secret (or env LIVEKIT_API_KEY and LIVEKIT_API_SECRET): set both',
        });
      } else if (webhookKey !== apiKey) {
        ctx.addIssue({
          code: 'custom',
          path: ['webhook', 'api_key'],
          message: 'must equal api_key: webhooks are signed with api_key and api_secret',
        });
      }
    }

    const templatePort = v.template_port === 0 ? 7980 : v.template_port;
    const tempo = v.audio_tempo_controller;
    const debugStorage = toStorage(v.debug, 'debug', warn);
    const hasDebugStorage =
      debugStorage.prefix !== '' ||
      debugStorage.generatePresignedUrl ||
      debugStorage.s3 !== undefined ||
      debugStorage.azure !== undefined ||
      debugStorage.gcp !== undefined ||
      debugStorage.aliOss !== undefined;
    const reapSec = v.pulse_sink_reap_grace_sec;

    const topLevel = TOP_LEVEL_PROVIDERS.filter((k) => v[k] !== undefined);
    for (const key of v.storage ? topLevel : []) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `conflicts with storage: keep one (storage.${key} is the current form of top-level ${key})`,
      });
    }
    const storage =
      v.storage ??
      (topLevel.length > 0
        ? toStorage({ ...v, prefix: '', generate_presigned_url: false }, 'top-level storage', warn)
        : undefined);

    return {
      redis: v.redis ?? undefined,
      apiKey,
      apiSecret,
      wsUrl,
      logLevel: level,
      logging: { level, json: v.logging.json },
      templateBase: v.template_base || `http://localhost:${templatePort}/`,
      clusterId: v.cluster_id,
      enableChromeSandbox: v.enable_chrome_sandbox,
      maxUploadQueueMinutes: v.max_upload_queue,
      disallowLocalStorage: v.disallow_local_storage,
      ioCreateTimeoutMs: v.io_create_timeout,
      ioUpdateTimeoutMs: v.io_update_timeout,
      ioSelectionTimeoutMs: v.io_selection_timeout,
      ioWorkers: v.io_workers,
      sessionLimits: {
        fileOutputMaxDurationMs: v.session_limits.file_output_max_duration,
        fileOutputMaxSizeBytes: v.session_limits.file_output_max_size,
        streamOutputMaxDurationMs: v.session_limits.stream_output_max_duration,
        segmentOutputMaxDurationMs: v.session_limits.segment_output_max_duration,
        imageOutputMaxDurationMs: v.session_limits.image_output_max_duration,
      },
      storage: storage && withEnvCredentials(storage, env),
      backup: v.backup && withEnvCredentials(v.backup, env),
      s3AssumeRoleKey: v.s3_assume_role_key,
      s3AssumeRoleSecret: v.s3_assume_role_secret,
      s3AssumeRoleArn: v.s3_assume_role_arn,
      s3AssumeRoleExternalId: v.s3_assume_role_external_id,
      insecure: v.insecure,
      debug: {
        enableProfiling: v.debug.enable_profiling,
        enableTrackLogging: v.debug.enable_track_logging,
        enableStreamLogging: v.debug.enable_stream_logging,
        enableChromeLogging: v.debug.enable_chrome_logging,
        storage: hasDebugStorage ? debugStorage : undefined,
      },
      chromeFlags: v.chrome_flags,
      latency: v.latency,
      videoEncoderThreads: v.video_encoder_threads,
      enableOneShotSenderReportSync: v.enable_one_shot_sender_report_sync,
      enableSyncEngine: v.enable_sync_engine,
      audioTempoController: {
        enabled: tempo.enabled,
        // Go applies this fallback only when enabled; applying it always changes nothing else.
        adjustmentRate:
          tempo.adjustment_rate > 0 && tempo.adjustment_rate <= 0.2 ? tempo.adjustment_rate : 0.05,
      },
      healthPort: v.health_port,
      templatePort,
      prometheusPort: v.prometheus_port,
      debugHandlerPort: v.debug_handler_port,
      pulseSinkReapGraceMs: reapSec < 0 ? null : (reapSec === 0 ? 30 : reapSec) * 1000,
      cpuCost: v.cpu_cost,
      apiPort: v.api_port,
      webhook: { apiKey: webhookKey, urls: v.webhook.urls },
      admin: v.admin ?? undefined,
      shutdownGraceMs: v.shutdown_grace_sec,
      startSignalTimeoutMs: v.start_signal_timeout_sec,
      jobStartDeadlineMs: v.job_start_deadline_sec,
      warmPoolSize: v.warm_pool_size,
      queuedStartAffinity: v.queued_start_affinity,
      localOutputDir: path.resolve(cwd, v.local_output_dir),
      localDirectory: v.local_directory ? path.resolve(cwd, v.local_directory) : undefined,
    };
  });
}

function requiredString(issue: { input?: unknown }): string {
  return issue.input === undefined ? 'required' : 'expected a string';
}
