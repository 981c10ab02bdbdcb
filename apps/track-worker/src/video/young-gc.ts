/**
 * Frees decoded frames with young-generation GCs. rtc-node copies every decoded frame into a new
 * external buffer (1.4 MB at 720p) while JavaScript allocates almost nothing, so V8 never
 * scavenges and frees those buffers only by full mark-compacts at its external memory limit:
 * at 720p30 one every ~1.6 s, ~0.05 core (bench/track). A minor GC after every
 * {@link YOUNG_GC_BYTES} of frames frees them in about a millisecond. Needs {@link EXPOSE_GC_FLAG} (the
 * cells have it); without it, V8 is left to its own schedule.
 */
export const YOUNG_GC_BYTES = 16 * 1024 * 1024;

/** The flag a cell (and a bench cell) runs with, so that {@link noteFrameBytes} can collect. */
export const EXPOSE_GC_FLAG = '--expose-gc';

type GcFunction = (options: { type: 'minor' }) => void;
const gc = (globalThis as { gc?: GcFunction }).gc;
let pendingBytes = 0;

/** Counts `bytes` of frames just dropped or about to be, and runs a minor GC once enough are. */
export function noteFrameBytes(bytes: number): void {
  if (!gc) return;
  pendingBytes += bytes;
  if (pendingBytes < YOUNG_GC_BYTES) return;
  pendingBytes = 0;
  gc({ type: 'minor' });
}
