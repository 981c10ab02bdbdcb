import { readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ManifestImage, RecordingUploader } from '@egress/storage';
import type { ResolvedImageOutput } from './egress-outputs.js';

/**
 * Uploads the JPEGs of one image output as they appear (Go uploads each image, then deletes it):
 * `multifilesink` writes `<prefix>_00000.jpeg`, `_00001`, ...; each is stored under its final
 * name (INDEX, TIMESTAMP from the file's time, or NONE_OVERWRITE) and deleted locally. While
 * recording the newest file is left alone (it may still be written); `sync(true)` after EOS
 * takes everything. Calls never overlap.
 */
export class ImageSync {
  readonly #output: ResolvedImageOutput;
  readonly #uploader: RecordingUploader;
  readonly #pattern: RegExp;
  readonly #images: ManifestImage[] = [];
  #running: Promise<void> = Promise.resolve();

  constructor(output: ResolvedImageOutput, uploader: RecordingUploader) {
    this.#output = output;
    this.#uploader = uploader;
    const prefix = output.names.imagePrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.#pattern = new RegExp(`^${prefix}_(\\d+)\\.jpeg$`);
  }

  /** Images uploaded so far (manifest `images`). */
  get images(): readonly ManifestImage[] {
    return this.#images;
  }

  /** Uploads new images; `isFinal` after EOS. Rejects on an upload failure. */
  sync(isFinal: boolean): Promise<void> {
    const next = this.#running.then(() => this.#sync(isFinal));
    this.#running = next.catch(() => {});
    return next;
  }

  async #sync(isFinal: boolean): Promise<void> {
    const { localDir, names } = this.#output;
    const found: { index: number; name: string }[] = [];
    for (const name of await readdir(localDir)) {
      const match = this.#pattern.exec(name);
      if (match?.[1]) found.push({ index: Number(match[1]), name });
    }
    found.sort((a, b) => a.index - b.index);
    const ready = isFinal ? found : found.slice(0, -1);
    for (const { index, name } of ready) {
      const localPath = join(localDir, name);
      const capturedAt = (await stat(localPath)).mtime;
      const filename = names.imageName(index, capturedAt);
      const res = await this.#uploader.upload({
        localPath,
        storagePath: posix.join(names.storageDir, filename),
        contentType: 'image/jpeg',
        deleteAfterUpload: true,
      });
      this.#images.push({ filename, timestamp: capturedAt, location: res.location });
    }
  }
}
