import { isAbsolute, relative, resolve } from 'node:path';
import { EgressError } from '@egress/protocol';

/**
 * `rel` resolved below `baseDir`, refusing anything that would leave it (`..`, NUL). A leading
 * `/` counts from `baseDir`, as Go's `path.Join(dir, p)` does.
 * TODO(#4): switch to `resolveLocalPath` from `@egress/protocol` once it is exported.
 */
export function resolveWithin(baseDir: string, rel: string): string {
  if (rel.includes('\0')) {
    throw EgressError.invalidArgument('filepath: must not contain a NUL character');
  }
  const base = resolve(baseDir);
  const target = resolve(base, `.${rel.startsWith('/') ? '' : '/'}${rel}`);
  const r = relative(base, target);
  if (r === '' || r === '..' || r.startsWith('../') || isAbsolute(r)) {
    throw EgressError.invalidArgument(
      'filepath: must stay inside the output directory (no ".." that leaves it)',
    );
  }
  return target;
}
