/** Bytes of an I420 picture of this size: Y plane, then U and V at half size (rounded up). */
export function i420Size(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}
