import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { ManifestFile, RecordingUploader } from '@egress/storage';
import {
  eventPlaylistHeader,
  livePlaylistFromMain,
  programDateTime,
} from '../composite/live-playlist.js';
import type { ResolvedSegmentOutput } from './egress-outputs.js';

/** What the HLS output has uploaded so far. */
export interface SegmentSyncState {
  segmentCount: number;
  /** Sum of `#EXTINF` durations, seconds. */
  durationSec: number;
  sizeBytes: number;
  playlistLocation: string;
  livePlaylistLocation: string;
  /** Uploaded segments, in order (manifest `playlists[].segments`). */
  segments: ManifestFile[];
}

interface Entry {
  tags: string[];
  uri: string;
}

const INDEX_IN_NAME = /_(\d+)\.ts$/;

/**
 * Uploads an HLS output as it grows: each new segment `hlssink2` has listed in its playlist is
 * uploaded under its final name (INDEX or TIMESTAMP) and deleted locally, then the playlist
 * (Go's EVENT header, each entry dated with `#EXT-X-PROGRAM-DATE-TIME`, URIs rewritten to the
 * stored names) and the live playlist (the last 5 segments) are uploaded.
 * `sync` is called on a timer while recording and once after EOS; calls never overlap.
 */
export class SegmentSync {
  readonly #output: ResolvedSegmentOutput;
  readonly #uploader: RecordingUploader;
  readonly #startedAtMs: number;
  readonly #uploaded: { tags: string[]; storageName: string; durationSec: number }[] = [];
  readonly #state: SegmentSyncState = {
    segmentCount: 0,
    durationSec: 0,
    sizeBytes: 0,
    playlistLocation: '',
    livePlaylistLocation: '',
    segments: [],
  };
  #running: Promise<void> = Promise.resolve();

  constructor(output: ResolvedSegmentOutput, uploader: RecordingUploader, startedAtMs: number) {
    this.#output = output;
    this.#uploader = uploader;
    this.#startedAtMs = startedAtMs;
  }

  /** What has been uploaded. */
  get state(): Readonly<SegmentSyncState> {
    return this.#state;
  }

  /** Uploads new segments and the playlists; `isFinal` after EOS. Rejects on an upload failure. */
  sync(isFinal: boolean): Promise<void> {
    const next = this.#running.then(() => this.#sync(isFinal));
    this.#running = next.catch(() => {});
    return next;
  }

  async #sync(isFinal: boolean): Promise<void> {
    const { localDir, names } = this.#output;
    const playlistPath = join(localDir, names.playlistName);
    let text: string;
    try {
      text = await readFile(playlistPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const { header, entries, isEnded } = parse(text);
    const fresh = entries.slice(this.#uploaded.length);
    if (fresh.length === 0 && !isFinal) return;
    const segmentDir = join(localDir, dirname(names.segmentPrefix));
    for (const entry of fresh) {
      const durationSec = Number(
        /^#EXTINF:([\d.]+)/.exec(entry.tags.find((t) => t.startsWith('#EXTINF')) ?? '')?.[1] ?? 0,
      );
      const localName = basename(entry.uri);
      const index = Number(INDEX_IN_NAME.exec(localName)?.[1] ?? this.#uploaded.length);
      const startedAt = new Date(this.#startedAtMs + this.#state.durationSec * 1000);
      const storageName = names.segmentName(index, startedAt);
      const localPath = join(segmentDir, localName);
      const sizeBytes = (await stat(localPath)).size;
      const res = await this.#uploader.upload({
        localPath,
        storagePath: posix.join(names.storageDir, storageName),
        deleteAfterUpload: true,
      });
      // Go dates each entry with its segment's start (m3u8 writer): on the wall clock here
      const tags = [`#EXT-X-PROGRAM-DATE-TIME:${programDateTime(startedAt)}`, ...entry.tags];
      this.#uploaded.push({ tags, storageName, durationSec });
      this.#state.segmentCount += 1;
      this.#state.durationSec += durationSec;
      this.#state.sizeBytes += sizeBytes;
      this.#state.segments.push({ filename: storageName, location: res.location });
    }
    const lines = eventPlaylistHeader(targetDurationOf(header, this.#output.segmentDurationSec));
    for (const u of this.#uploaded) lines.push(...u.tags, u.storageName);
    if (isEnded || isFinal) lines.push('#EXT-X-ENDLIST');
    const main = `${lines.join('\n')}\n`;
    const outPath = join(localDir, `${names.playlistName}.out`);
    await writeFile(outPath, main);
    const res = await this.#uploader.upload({
      localPath: outPath,
      storagePath: names.playlistPath,
      contentType: 'application/x-mpegurl',
    });
    this.#state.playlistLocation = res.location;
    if (names.livePlaylistName !== '') {
      const livePath = join(localDir, `${names.livePlaylistName}.out`);
      await writeFile(livePath, livePlaylistFromMain(main));
      const live = await this.#uploader.upload({
        localPath: livePath,
        storagePath: names.livePlaylistPath,
        contentType: 'application/x-mpegurl',
      });
      this.#state.livePlaylistLocation = live.location;
    }
  }
}

/** hlssink2's target duration (the longest segment, rounded up), else the configured one. */
function targetDurationOf(header: readonly string[], segmentDurationSec: number): number {
  const line = header.find((l) => l.startsWith('#EXT-X-TARGETDURATION:'));
  const value = Number(line?.split(':')[1]);
  return value > 0 ? value : segmentDurationSec;
}

function parse(text: string): { header: string[]; entries: Entry[]; isEnded: boolean } {
  const header: string[] = [];
  const entries: Entry[] = [];
  let pending: string[] = [];
  let isEnded = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '#EXT-X-ENDLIST') isEnded = true;
    else if (!line.startsWith('#')) {
      entries.push({ tags: pending, uri: line });
      pending = [];
    } else if (line.startsWith('#EXTINF') || pending.length > 0 || entries.length > 0) {
      pending.push(line);
    } else header.push(line);
  }
  return { header, entries, isEnded };
}
