import { writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { RecordingUploader } from './recording-uploader.js';

/** One output file in the manifest. */
export interface ManifestFile {
  filename: string;
  location: string;
}

/** One HLS playlist and its segments. */
export interface ManifestPlaylist {
  location: string;
  segments: ManifestFile[];
}

/** One image snapshot. */
export interface ManifestImage {
  filename: string;
  timestamp: Date;
  location: string;
}

/** What an egress knows at its end; empty fields are left out, as Go's `omitempty`. */
export interface ManifestInput {
  egressId: string;
  roomId?: string;
  roomName?: string;
  /** Web egress URL. */
  url?: string;
  startedAtNs?: bigint;
  endedAtNs?: bigint;
  publisherIdentity?: string;
  trackId?: string;
  trackKind?: string;
  trackSource?: string;
  audioTrackId?: string;
  videoTrackId?: string;
  files?: ManifestFile[];
  playlists?: ManifestPlaylist[];
  images?: ManifestImage[];
}

/** The manifest with Go's JSON keys (livekit/egress pkg/config/manifest.go). */
export interface Manifest {
  egress_id?: string;
  room_id?: string;
  room_name?: string;
  url?: string;
  started_at?: bigint;
  ended_at?: bigint;
  publisher_identity?: string;
  track_id?: string;
  track_kind?: string;
  track_source?: string;
  audio_track_id?: string;
  video_track_id?: string;
  files?: { filename?: string; location?: string }[];
  playlists?: { location?: string; segments?: { filename?: string; location?: string }[] }[];
  images?: { filename?: string; timestamp: string; location?: string }[];
}

/** Go's RFC3339Nano: fraction without trailing zeros, none at all for whole seconds. */
function rfc3339(ts: Date): string {
  return ts.toISOString().replace(/\.(\d*?)0+Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === '' || v === 0n || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as T;
}

/** The manifest object for `input`, keys and omissions as Go writes them. */
export function buildManifest(input: ManifestInput): Manifest {
  return compact<Manifest>({
    egress_id: input.egressId,
    room_id: input.roomId,
    room_name: input.roomName,
    url: input.url,
    started_at: input.startedAtNs,
    ended_at: input.endedAtNs,
    publisher_identity: input.publisherIdentity,
    track_id: input.trackId,
    track_kind: input.trackKind,
    track_source: input.trackSource,
    audio_track_id: input.audioTrackId,
    video_track_id: input.videoTrackId,
    files: input.files?.map((f) => compact(f)),
    playlists: input.playlists?.map((p) =>
      compact({ location: p.location, segments: p.segments.map((s) => compact(s)) }),
    ),
    images: input.images?.map((i) =>
      compact({ filename: i.filename, timestamp: rfc3339(i.timestamp), location: i.location }),
    ),
  });
}

/** The manifest as Go's encoder writes it: compact JSON, exact nanosecond integers, newline. */
export function manifestJson(manifest: Manifest): string {
  const marker = '\u0000bigint:';
  const text = JSON.stringify(manifest, (_k, v: unknown) =>
    typeof v === 'bigint' ? `${marker}${v.toString()}` : v,
  );
  return `${text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1')}\n`;
}

/** `<dir of the output>/<egressId>.json`: the manifest sits next to its output. */
export function manifestStoragePath(outputStoragePath: string, egressId: string): string {
  const dir = posix.dirname(outputStoragePath);
  return dir === '.' ? `${egressId}.json` : posix.join(dir, `${egressId}.json`);
}

export interface UploadManifestOptions {
  uploader: RecordingUploader;
  manifest: Manifest;
  egressId: string;
  /** Storage paths of the outputs that keep their manifest (`disable_manifest` false). */
  outputStoragePaths: string[];
  /** Where the JSON file is written before upload (the egress tmp dir). */
  workDir: string;
}

/**
 * Writes `<egressId>.json` and uploads it next to each output (once per directory). Returns the
 * locations; the first is EgressInfo `manifest_location`. The local file stays (Go removes it
 * with the tmp dir).
 */
export async function uploadManifest(options: UploadManifestOptions): Promise<string[]> {
  const localPath = join(options.workDir, `${options.egressId}.json`);
  await writeFile(localPath, manifestJson(options.manifest));
  const paths = [
    ...new Set(options.outputStoragePaths.map((p) => manifestStoragePath(p, options.egressId))),
  ];
  const locations: string[] = [];
  for (const storagePath of paths) {
    const res = await options.uploader.upload({
      localPath,
      storagePath,
      contentType: 'application/json',
    });
    locations.push(res.location);
  }
  return locations;
}
