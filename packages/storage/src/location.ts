/**
 * Location URLs as the Go version (livekit/storage) formats them. The key is not URL-encoded,
 * as in Go.
 */

/** S3: `https://<bucket>.<endpoint|s3.amazonaws.com>/<key>`, path style `<endpoint>/<bucket>/<key>`. */
export function s3Location(options: {
  bucket: string;
  key: string;
  endpoint?: string | undefined;
  forcePathStyle?: boolean | undefined;
}): string {
  const endpoint = options.endpoint ? options.endpoint : 's3.amazonaws.com';
  if (options.forcePathStyle) {
    const base = endpoint.startsWith('http') ? endpoint : `https://${endpoint}`;
    return `${trimSlash(base)}/${options.bucket}/${options.key}`;
  }
  // Go puts the endpoint after the bucket verbatim; a scheme in it is dropped here so the URL
  // stays valid (Go would produce https://bucket.https://host/key).
  const host = endpoint.replace(/^https?:\/\//, '');
  return `https://${options.bucket}.${trimSlash(host)}/${options.key}`;
}

/**
 * Azure: `https://<account>.blob.core.windows.net/<container>/<path>`; with a custom endpoint
 * (Azurite: `http://127.0.0.1:10000/devstoreaccount1`) `<endpoint>/<container>/<path>`.
 */
export function azureLocation(options: {
  accountName: string;
  containerName: string;
  blobName: string;
  endpoint?: string | undefined;
}): string {
  const base = options.endpoint
    ? trimSlash(options.endpoint)
    : `https://${options.accountName}.blob.core.windows.net`;
  return `${base}/${options.containerName}/${options.blobName}`;
}

/**
 * GCS: `https://<bucket>.storage.googleapis.com/<path>`; with an API endpoint override
 * `<endpoint>/<bucket>/<path>`.
 */
export function gcsLocation(options: {
  bucket: string;
  objectName: string;
  apiEndpoint?: string | undefined;
}): string {
  if (options.apiEndpoint) {
    return `${trimSlash(options.apiEndpoint)}/${options.bucket}/${options.objectName}`;
  }
  return `https://${options.bucket}.storage.googleapis.com/${options.objectName}`;
}

function trimSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}
