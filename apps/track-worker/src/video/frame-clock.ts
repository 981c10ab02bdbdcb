/**
 * How many frames a constant-rate output should hold at `elapsedMs` after its first frame (which
 * is due at 0): the video stays on the wall clock by repeating or skipping input frames, never by
 * changing speed.
 */
export function framesDueAt(elapsedMs: number, fps: number): number {
  if (elapsedMs < 0) return 0;
  return Math.floor((elapsedMs * fps) / 1000 + 1e-9) + 1;
}

/** One black I420 frame (Y 16, U and V 128: video range black). */
export function blackI420(width: number, height: number): Buffer {
  const ySize = width * height;
  const chroma = Math.ceil(width / 2) * Math.ceil(height / 2);
  const frame = Buffer.alloc(ySize + 2 * chroma, 128);
  frame.fill(16, 0, ySize);
  return frame;
}
