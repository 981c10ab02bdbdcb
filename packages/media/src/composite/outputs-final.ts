import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputFileType } from '@egress/protocol';
import type { CompositeOutputPlan } from './pipeline-plan.js';

/** `mfro`: the fixed 16-byte box that ends an `mfra` and gives its size. */
const MFRO_SIZE = 16;
/** An Ogg page is at most 65 307 bytes: the last one starts within that much of the end. */
const MAX_OGG_PAGE = 65_307;
/** `header_type` bit of the last page of a logical Ogg stream. */
const OGG_EOS_FLAG = 0x04;

/** Reads `length` bytes ending `fromEnd` bytes before the end (fewer at the start of the file). */
async function readBeforeEnd(
  path: string,
  length: number,
  fromEnd = 0,
): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const end = (await handle.stat()).size - fromEnd;
    const n = Math.max(0, Math.min(end, length));
    const buf = Buffer.alloc(n);
    await handle.read(buf, 0, n, end - n);
    return buf;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  } finally {
    await handle?.close();
  }
}

/**
 * Whether a fragmented MP4 was finalized: `mp4mux` writes the `mfra` index (ended by its `mfro`
 * box, which gives the index's size) last, at EOS, after rewriting the `moov`.
 */
export async function isMp4Finalized(path: string): Promise<boolean> {
  const mfro = await readBeforeEnd(path, MFRO_SIZE);
  if (mfro?.length !== MFRO_SIZE) return false;
  if (mfro.readUInt32BE(0) !== MFRO_SIZE || mfro.toString('latin1', 4, 8) !== 'mfro') return false;
  const mfraSize = mfro.readUInt32BE(12);
  if (mfraSize < MFRO_SIZE + 8) return false;
  // the mfra box's header: its size (the one mfro gives) and its type
  const head = await readBeforeEnd(path, 8, mfraSize - 8);
  return (
    head?.length === 8 && head.readUInt32BE(0) === mfraSize && head.toString('latin1', 4) === 'mfra'
  );
}

/** Whether an Ogg file ends with the last page of its stream (`oggmux` writes it at EOS). */
export async function isOggFinished(path: string): Promise<boolean> {
  const tail = await readBeforeEnd(path, MAX_OGG_PAGE);
  if (!tail) return false;
  const page = tail.lastIndexOf('OggS', tail.length - 27, 'latin1');
  return page >= 0 && ((tail[page + 5] ?? 0) & OGG_EOS_FLAG) !== 0;
}

/** Whether an HLS playlist has `#EXT-X-ENDLIST` (`hlssink2` adds it at EOS, after the last segment). */
export async function isPlaylistEnded(path: string): Promise<boolean> {
  try {
    return (await readFile(path, 'utf8')).includes('#EXT-X-ENDLIST');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** File types whose end can be read; MP3 and WebM show none. */
const FILE_END_CHECKS: Partial<Record<OutputFileType, (path: string) => Promise<boolean>>> = {
  mp4: isMp4Finalized,
  ogg: isOggFinished,
};

/**
 * A check that every output of a plan is finished on disk, for a pipeline whose EOS message
 * went missing: GStreamer 1.22's `splitmuxsink` (inside `hlssink2`) sometimes loses the
 * pipeline's EOS message when a segment starts just before EOS, although every output is then
 * complete (packages/media README, "Lost EOS"). Only plans with HLS get one, and only when the file
 * output (if any) shows its end: MP4 (`mfra`) or Ogg (EOS page); images and the stream's local
 * server have nothing left to finalize once those ended.
 *
 * @returns undefined when the plan has no HLS output or a file whose end cannot be read (MP3,
 * WebM): such a pipeline is left to its deadline.
 */
export function outputsFinalCheck(
  outputs: CompositeOutputPlan,
): (() => Promise<boolean>) | undefined {
  const { file, segments } = outputs;
  if (!segments) return undefined;
  let fileEnded = async () => true;
  if (file) {
    const check = FILE_END_CHECKS[file.fileType];
    if (!check) return undefined;
    fileEnded = () => check(file.localPath);
  }
  const playlist = join(segments.localDir, segments.playlistName);
  return async () => (await isPlaylistEnded(playlist)) && (await fileEnded());
}
