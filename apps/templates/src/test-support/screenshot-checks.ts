import type { Rect } from '../layout-geometry.js';
import type { RgbaImage } from './decode-png.js';

/** An sRGB colour. */
export type Rgb = readonly [number, number, number];

/** The colour at a pixel. */
export function pixelAt(image: RgbaImage, x: number, y: number): Rgb {
  const i = (Math.round(y) * image.width + Math.round(x)) * 4;
  return [image.rgba[i] ?? 0, image.rgba[i + 1] ?? 0, image.rgba[i + 2] ?? 0];
}

/** Whether two colours differ by at most `tolerance` in every channel. */
export function isNear(a: Rgb, b: Rgb, tolerance = 10): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tolerance);
}

function inside(rect: Rect, x: number, y: number, margin: number): boolean {
  return (
    x >= rect.x + margin &&
    x < rect.x + rect.width - margin &&
    y >= rect.y + margin &&
    y < rect.y + rect.height - margin
  );
}

/**
 * Compares a screenshot with the rectangles the page should have drawn, on a lattice of sample
 * points: everything clear of the rectangles must be the page `background`, and nearly all of each
 * rectangle must not be (video, a placeholder, "+N"; name labels may blend in). Returns what is
 * wrong, empty when it matches.
 */
export function layoutProblems(
  image: RgbaImage,
  rects: readonly Rect[],
  background: Rgb,
  stepPx = 6,
): string[] {
  const problems: string[] = [];
  const insideCounts = rects.map(() => ({ total: 0, background: 0 }));
  let strayPixels = 0;
  let firstStray = '';
  for (let y = 1; y < image.height - 1; y += stepPx) {
    for (let x = 1; x < image.width - 1; x += stepPx) {
      const colour = pixelAt(image, x, y);
      const index = rects.findIndex((r) => inside(r, x, y, 8));
      if (index >= 0) {
        const counts = insideCounts[index];
        if (counts) {
          counts.total++;
          if (isNear(colour, background)) counts.background++;
        }
      } else if (!rects.some((r) => inside(r, x, y, -3)) && !isNear(colour, background)) {
        strayPixels++;
        firstStray ||= `(${x},${y}) is rgb(${colour.join(',')})`;
      }
    }
  }
  if (strayPixels > 0) {
    problems.push(
      `${strayPixels} background samples are not rgb(${background.join(',')}), first ${firstStray}`,
    );
  }
  insideCounts.forEach((counts, i) => {
    if (counts.total === 0 || counts.background / counts.total > 0.15) {
      problems.push(
        `rect ${i} ${JSON.stringify(rects[i])}: ${counts.background}/${counts.total} samples are background`,
      );
    }
  });
  return problems;
}
