import type { StorageConfig, ValidatedEgress } from '@egress/protocol';

/** An output kind that is written somewhere: to storage, or else to this machine's disk. */
export type StoredOutputKind = 'file' | 'segments' | 'image';

/** Whether a server storage block names a provider (Go's `!IsLocal()`): a prefix alone does not. */
function hasProvider(storage: StorageConfig | undefined): boolean {
  return Boolean(storage && (storage.s3 || storage.azure || storage.gcp || storage.aliOss));
}

/**
 * The outputs of `egress` that would be written to local disk: they name no storage, the request
 * names none for them (v2 `storage`), and the server config has no provider. Stream and websocket
 * outputs are stored nowhere. What `disallow_local_storage` refuses, as Go does
 * (pkg/config/storage.go `getStorageConfig`).
 */
export function outputsWithoutStorage(
  egress: ValidatedEgress,
  serverStorage: StorageConfig | undefined,
): StoredOutputKind[] {
  if (egress.requestUpload || hasProvider(serverStorage)) return [];
  const kinds: StoredOutputKind[] = [];
  if (egress.file && !egress.file.upload) kinds.push('file');
  if (egress.segments && !egress.segments.upload) kinds.push('segments');
  if (egress.images.some((image) => !image.upload)) kinds.push('image');
  return kinds;
}
