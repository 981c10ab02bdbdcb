import type {
  AliOSSUpload,
  AzureBlobUpload,
  GCPUpload,
  ImageOutput,
  S3Upload,
  SegmentedFileOutput,
  StorageConfig,
  StreamOutput,
  WebhookConfig,
} from '@livekit/protocol';
import type { EgressRequest } from '../request-types.js';
import { redactStreamUrl } from '../validation/stream-url.js';

/** Turns a URL that may hold a secret (stream key, passphrase, token) into a safe one. */
export type RedactUrl = (url: string) => string;

/** Options of {@link redactRequest}. */
export interface RedactRequestOptions {
  /**
   * Redacts stream and WebSocket URLs.
   * @defaultValue `redactStreamUrl` (validation/stream-url.ts)
   */
  redactUrl?: RedactUrl;
}

// Go's utils.Redact: a set secret becomes its placeholder, an empty one stays empty.
function placeholder(value: string, name: string): string {
  return value === '' ? '' : name;
}

function redactS3(s3: S3Upload): void {
  s3.accessKey = placeholder(s3.accessKey, '{access_key}');
  s3.secret = placeholder(s3.secret, '{secret}');
  s3.sessionToken = placeholder(s3.sessionToken, '{session_token}');
  s3.assumeRoleExternalId = placeholder(s3.assumeRoleExternalId, '{external_id}');
  if (s3.proxy) s3.proxy.password = placeholder(s3.proxy.password, '{password}');
}

function redactGcp(gcp: GCPUpload): void {
  gcp.credentials = placeholder(gcp.credentials, '{credentials}');
  if (gcp.proxy) gcp.proxy.password = placeholder(gcp.proxy.password, '{password}');
}

function redactAzure(azure: AzureBlobUpload): void {
  azure.accountName = placeholder(azure.accountName, '{account_name}');
  azure.accountKey = placeholder(azure.accountKey, '{account_key}');
}

function redactAliOss(ali: AliOSSUpload): void {
  ali.accessKey = placeholder(ali.accessKey, '{access_key}');
  ali.secret = placeholder(ali.secret, '{secret}');
}

type Upload =
  | { case: 's3'; value: S3Upload }
  | { case: 'gcp'; value: GCPUpload }
  | { case: 'azure'; value: AzureBlobUpload }
  | { case: 'aliOSS'; value: AliOSSUpload }
  | { case: undefined; value?: undefined };

function redactUpload(upload: Upload | undefined): void {
  switch (upload?.case) {
    case 's3':
      redactS3(upload.value);
      break;
    case 'gcp':
      redactGcp(upload.value);
      break;
    case 'azure':
      redactAzure(upload.value);
      break;
    case 'aliOSS':
      redactAliOss(upload.value);
      break;
    default:
      break;
  }
}

function redactStorage(storage: StorageConfig | undefined): void {
  if (storage) redactUpload(storage.provider);
}

function redactStream(stream: StreamOutput, redactUrl: RedactUrl): void {
  stream.urls = stream.urls.map(redactUrl);
}

function redactWebhooks(webhooks: WebhookConfig[]): void {
  // Go copies signing keys into EgressInfo; a signing key is a secret, so we do not.
  for (const hook of webhooks) hook.signingKey = placeholder(hook.signingKey, '{signing_key}');
}

interface EncodedOutputs {
  fileOutputs: { output: Upload }[];
  streamOutputs: StreamOutput[];
  segmentOutputs: SegmentedFileOutput[];
  imageOutputs: ImageOutput[];
  webhooks: WebhookConfig[];
  output?:
    | { case: 'file'; value: { output: Upload } }
    | { case: 'stream'; value: StreamOutput }
    | { case: 'segments'; value: SegmentedFileOutput }
    | { case: undefined; value?: undefined };
}

function redactEncodedOutputs(req: EncodedOutputs, redactUrl: RedactUrl): void {
  // Go redacts only the first of each list (more are rejected by validation); we redact all.
  for (const file of req.fileOutputs) redactUpload(file.output);
  for (const stream of req.streamOutputs) redactStream(stream, redactUrl);
  for (const segments of req.segmentOutputs) redactUpload(segments.output);
  for (const images of req.imageOutputs) redactUpload(images.output);
  switch (req.output?.case) {
    case 'file':
    case 'segments':
      redactUpload(req.output.value.output);
      break;
    case 'stream':
      redactStream(req.output.value, redactUrl);
      break;
    default:
      break;
  }
  redactWebhooks(req.webhooks);
}

/**
 * A copy of a request with every secret replaced, fit to be stored in `EgressInfo.request`, sent
 * to livekit-server, listed and logged: S3 access key, secret, session token and external id,
 * GCP credentials, Azure account name and key, AliOSS key and secret, proxy passwords, webhook
 * signing keys, and stream / WebSocket URLs through `redactUrl`. Storage secrets become Go's
 * placeholders (`{access_key}`, `{secret}`, ...). The input is never changed.
 */
export function redactRequest(
  request: EgressRequest,
  options: RedactRequestOptions = {},
): EgressRequest {
  const redactUrl = options.redactUrl ?? redactStreamUrl;
  switch (request.case) {
    case 'roomComposite': {
      const value = request.value.clone();
      redactEncodedOutputs(value, redactUrl);
      return { case: 'roomComposite', value };
    }
    case 'web': {
      const value = request.value.clone();
      redactEncodedOutputs(value, redactUrl);
      return { case: 'web', value };
    }
    case 'participant': {
      const value = request.value.clone();
      redactEncodedOutputs(value, redactUrl);
      return { case: 'participant', value };
    }
    case 'trackComposite': {
      const value = request.value.clone();
      redactEncodedOutputs(value, redactUrl);
      return { case: 'trackComposite', value };
    }
    case 'track': {
      const value = request.value.clone();
      if (value.output.case === 'file') redactUpload(value.output.value.output);
      if (value.output.case === 'websocketUrl') {
        value.output.value = redactUrl(value.output.value);
      }
      redactWebhooks(value.webhooks);
      return { case: 'track', value };
    }
    case 'egress': {
      const value = request.value.clone();
      redactStorage(value.storage);
      for (const output of value.outputs) {
        redactStorage(output.storage);
        if (output.config.case === 'stream') redactStream(output.config.value, redactUrl);
      }
      redactWebhooks(value.webhooks);
      return { case: 'egress', value };
    }
  }
}
