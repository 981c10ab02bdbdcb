import { copyFile, mkdir, realpath, rename, stat } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { EgressError, type Logger, resolveLocalPath } from '@egress/protocol';
import { uploadFailedError } from './upload-error.js';
import type { Uploader, UploadParams, UploadResult } from './uploader.js';

export interface LocalUploaderOptions {
  /** Directory every storage path is resolved below; created when missing. */
  directory: string;
  logger: Logger;
}

/**
 * "Uploads" by copying into a local directory (a mounted volume). The location is the absolute
 * path, as in Go. A storage path that would leave the directory, also through a symlinked
 * folder, is rejected.
 */
export class LocalUploader implements Uploader {
  readonly backendName = 'Local';
  readonly #directory: string;
  readonly #logger: Logger;

  constructor(options: LocalUploaderOptions) {
    if (!options.directory) {
      throw EgressError.invalidArgument('local storage: expected a directory');
    }
    this.#directory = resolve(options.directory);
    this.#logger = options.logger.child({ component: 'storage', backend: 'local' });
  }

  async upload(params: UploadParams): Promise<UploadResult> {
    const target = resolveLocalPath(this.#directory, params.storagePath);
    if (target === this.#directory) {
      throw EgressError.invalidArgument('filepath: expected a file name, got the output directory');
    }
    try {
      const source = await stat(params.localPath);
      if (!source.isFile()) {
        throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      }
      await mkdir(dirname(target), { recursive: true });
      const [realBase, realDir] = await Promise.all([
        realpath(this.#directory),
        realpath(dirname(target)),
      ]);
      const r = relative(realBase, realDir);
      if (r === '..' || r.startsWith('../') || r.startsWith('/')) {
        throw EgressError.invalidArgument(
          'filepath: must stay inside the output directory (a symlink leads out of it)',
        );
      }
      if (resolve(params.localPath) !== target) {
        // Copy to a temporary name first so a crash never leaves a half file at the target.
        const partial = `${target}.partial`;
        await copyFile(params.localPath, partial);
        await rename(partial, target);
      }
      this.#logger.debug({ sizeBytes: source.size }, 'file stored locally');
      return { location: target, sizeBytes: source.size };
    } catch (err) {
      throw uploadFailedError(this.backendName, err);
    }
  }
}
