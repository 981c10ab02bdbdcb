import { createHash, createHmac } from 'node:crypto';

/** Credentials as the AWS SDK resolves them. */
export interface S3SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface PresignS3GetOptions {
  bucket: string;
  key: string;
  region: string;
  credentials: S3SigningCredentials;
  /** At most 7 days (604800 s), the SigV4 limit. */
  expiresInSec: number;
  /** `https://host[:port]`. @defaultValue `https://s3.<region>.amazonaws.com` */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Signing time. @defaultValue now */
  now?: Date;
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * A SigV4 query-signed GET URL for an object (what Go's `PresignGetObject` returns). Written
 * here because `@aws-sdk/s3-request-presigner` is not a dependency; the signing is local, no
 * request is sent.
 */
export function presignS3Get(options: PresignS3GetOptions): string {
  const endpoint = new URL(options.endpoint ?? `https://s3.${options.region}.amazonaws.com`);
  const encodedKey = options.key.split('/').map(encodeRfc3986).join('/');
  let host = endpoint.host;
  let path: string;
  const basePath = endpoint.pathname.replace(/\/$/, '');
  if (options.forcePathStyle) {
    path = `${basePath}/${encodeRfc3986(options.bucket)}/${encodedKey}`;
  } else {
    host = `${options.bucket}.${endpoint.host}`;
    path = `${basePath}/${encodedKey}`;
  }
  const now = options.now ?? new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${options.region}/s3/aws4_request`;
  const query: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${options.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(Math.min(604800, Math.max(1, Math.floor(options.expiresInSec)))),
    'X-Amz-SignedHeaders': 'host',
  };
  if (options.credentials.sessionToken) {
    query['X-Amz-Security-Token'] = options.credentials.sessionToken;
  }
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${encodeRfc3986(k)}=${encodeRfc3986(query[k] ?? '')}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    path,
    canonicalQuery,
    `host:${host}\n`,
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  const kDate = hmac(`AWS4${options.credentials.secretAccessKey}`, date);
  const kSigning = hmac(hmac(hmac(kDate, options.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return `${endpoint.protocol}//${host}${path}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}
