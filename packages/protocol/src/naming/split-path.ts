/**
 * Splits a path after its last `/`, like Go's `path.Split`: `a/b/c` gives `['a/b/', 'c']`, `c`
 * gives `['', 'c']`, `a/` gives `['a/', '']`.
 */
export function splitPath(value: string): [dir: string, name: string] {
  const slash = value.lastIndexOf('/');
  return [value.slice(0, slash + 1), value.slice(slash + 1)];
}
