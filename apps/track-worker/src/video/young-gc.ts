/**
 * Frees decoded frames with young-generation GCs. rtc-node copies every decoded frame into a new
 * external buffer (1.4 MB at 720p) while JavaScript allocates almost nothing, so V8 never
 * scavenges and frees those buffers only by full mark-compacts at its external memory limit:
 * at 720p30 one every ~1.6 s, ~0.05 core (bench/track). A minor GC after every
 * {@link YOUNG_GC_BYTES} of frames frees them in about a millisecond. Needs `--expose-gc`
 * ({@link CELL_GC_FLAGS}); without it, V8 is left to its own schedule.
 */
export const YOUNG_GC_BYTES = 8 * 1024 * 1024;

/**
 * The V8 flags of a cell (and a bench cell): `--expose-gc` for {@link noteFrameBytes}, and a
 * fixed old-generation growth of 100 %. V8 counts external memory allocated since the last full
 * GC against the old generation's headroom, and sizes that headroom from the time spent in GC:
 * after a few full GCs it kept only its 8 MB minimum above a cell's ~50 MB heap, and each batch of
 * frames started another full GC (bench/track: ~0.45 instead of ~0.32 core per 720p30 track in
 * half the runs). Doubling leaves headroom well above {@link YOUNG_GC_BYTES}.
 */
export const CELL_GC_FLAGS = ['--expose-gc', '--heap-growing-percent=100'];

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
