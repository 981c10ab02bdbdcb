import type { ValidatedEgress } from '@egress/protocol';

/** Size of an X display: a warm egress process fits jobs of this size. */
export interface DisplaySize {
  width: number;
  height: number;
  /** Bits per pixel. */
  depth: number;
}

/**
 * The display an egress needs, or `undefined` when any will do (no video is recorded, so the
 * page's window size does not matter).
 */
export function displayFor(egress: ValidatedEgress): DisplaySize | undefined {
  if (!egress.hasVideo) return undefined;
  const { width, height, depth } = egress.encoding;
  return { width, height, depth };
}

/** Whether a display of `size` serves an egress that needs `wanted` (`undefined`: any). */
export function fitsDisplay(size: DisplaySize, wanted: DisplaySize | undefined): boolean {
  return (
    !wanted ||
    (size.width === wanted.width && size.height === wanted.height && size.depth === wanted.depth)
  );
}
