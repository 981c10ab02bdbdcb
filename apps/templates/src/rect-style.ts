import type { CSSProperties } from 'react';
import type { Rect } from './layout-geometry.js';

/** Absolute position of a rectangle from layout-geometry.ts. */
export function rectStyle(rect: Rect): CSSProperties {
  return { left: rect.x, top: rect.y, width: rect.width, height: rect.height };
}
