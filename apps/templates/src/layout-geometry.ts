/** A rectangle in CSS pixels, from the top left of the page. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The drawing area in CSS pixels (the page: the recorder's window size). */
export interface Size {
  width: number;
  height: number;
}

/** Width over height of every tile: cameras and recordings are 16:9. */
export const TILE_ASPECT = 16 / 9;

/** Most grid tiles drawn at once (6 × 6); more participants share the last one as "+N". */
export const GRID_MAX_TILES = 36;

/** Share of the page width given to the strip of tiles beside the main area. */
export const STRIP_WIDTH_RATIO = 0.2;

/**
 * Space around and between tiles in CSS pixels: 8 at 1080p, 5 at 720p, never under 4, so small and
 * large recordings look alike.
 */
export function spacingPx(size: Size): number {
  return Math.max(4, Math.round(Math.min(size.width, size.height) / 135));
}

/** What {@link layoutRects} places on the page. */
export interface LayoutRects {
  /** The main area (screen share or focused speaker), if the arrangement has one. */
  main: Rect | undefined;
  /**
   * Tile slots in drawing order (join order of the shown participants). When `hiddenCount > 0`,
   * the last slot is the "+N" tile standing for the participants that did not fit.
   */
  tiles: Rect[];
  /** Participants left out because the slots ran out (0 when all fit). */
  hiddenCount: number;
}

/** Which arrangement to place, as chosen by `planLayout`. */
export interface ArrangementInput {
  /** `grid`: tiles only; `focus`: a main area plus a strip (main alone when the strip is empty). */
  arrangement: 'grid' | 'focus';
  /** Tiles to place in the grid or the strip. */
  tileCount: number;
  /** The page. */
  size: Size;
}

/**
 * Places the main area and tiles of one arrangement on the page. Pure, so the Chromium tests
 * check screenshots against the very rectangles the page was drawn from.
 */
export function layoutRects(input: ArrangementInput): LayoutRects {
  const { size } = input;
  const tileCount = Math.max(0, Math.floor(input.tileCount));
  if (input.arrangement === 'grid') {
    const slots = Math.min(tileCount, GRID_MAX_TILES);
    return {
      main: undefined,
      tiles: gridRects(slots, size),
      hiddenCount: hidden(tileCount, slots),
    };
  }
  if (tileCount === 0) {
    // Alone, the main area fills the page, as the Go template's single VideoTrack does.
    return {
      main: { x: 0, y: 0, width: size.width, height: size.height },
      tiles: [],
      hiddenCount: 0,
    };
  }
  const space = spacingPx(size);
  const stripWidth = Math.floor(size.width * STRIP_WIDTH_RATIO);
  const tileHeight = Math.floor(stripWidth / TILE_ASPECT);
  const innerHeight = size.height - 2 * space;
  const capacity = Math.max(1, Math.floor((innerHeight + space) / (tileHeight + space)));
  const slots = Math.min(tileCount, capacity);
  const stripHeight = slots * tileHeight + (slots - 1) * space;
  const stripX = size.width - space - stripWidth;
  const stripY = space + Math.floor((innerHeight - stripHeight) / 2);
  const tiles: Rect[] = [];
  for (let i = 0; i < slots; i++) {
    tiles.push({
      x: stripX,
      y: stripY + i * (tileHeight + space),
      width: stripWidth,
      height: tileHeight,
    });
  }
  const main = {
    x: space,
    y: space,
    width: size.width - 3 * space - stripWidth,
    height: innerHeight,
  };
  return { main, tiles, hiddenCount: hidden(tileCount, slots) };
}

/** Participants that do not get a slot of their own: one slot becomes "+N" on overflow. */
function hidden(count: number, slots: number): number {
  return count > slots ? count - slots + 1 : 0;
}

/** Columns and rows of the grid that gives `count` 16:9 tiles the largest size on the page. */
export function gridDimensions(count: number, size: Size): { columns: number; rows: number } {
  if (count <= 0) return { columns: 0, rows: 0 };
  const space = spacingPx(size);
  const innerWidth = size.width - 2 * space;
  const innerHeight = size.height - 2 * space;
  let best = { columns: 1, rows: count, tileWidth: -1 };
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    const byWidth = (innerWidth - (columns - 1) * space) / columns;
    const byHeight = ((innerHeight - (rows - 1) * space) / rows) * TILE_ASPECT;
    const tileWidth = Math.min(byWidth, byHeight);
    // Strictly larger only: on a tie the narrower grid (fewer columns) wins, deterministically.
    if (tileWidth > best.tileWidth) best = { columns, rows, tileWidth };
  }
  return { columns: best.columns, rows: best.rows };
}

/**
 * `count` 16:9 tiles in {@link gridDimensions} rows, the block centred on the page and a short last
 * row centred in its line.
 */
export function gridRects(count: number, size: Size): Rect[] {
  if (count <= 0) return [];
  const space = spacingPx(size);
  const { columns, rows } = gridDimensions(count, size);
  const innerWidth = size.width - 2 * space;
  const innerHeight = size.height - 2 * space;
  const width = Math.floor(
    Math.min(
      (innerWidth - (columns - 1) * space) / columns,
      ((innerHeight - (rows - 1) * space) / rows) * TILE_ASPECT,
    ),
  );
  const height = Math.floor(width / TILE_ASPECT);
  const blockHeight = rows * height + (rows - 1) * space;
  const top = space + Math.floor((innerHeight - blockHeight) / 2);
  const rects: Rect[] = [];
  for (let row = 0; row < rows; row++) {
    const inRow = Math.min(columns, count - row * columns);
    const rowWidth = inRow * width + (inRow - 1) * space;
    const left = space + Math.floor((innerWidth - rowWidth) / 2);
    for (let column = 0; column < inRow; column++) {
      rects.push({
        x: left + column * (width + space),
        y: top + row * (height + space),
        width,
        height,
      });
    }
  }
  return rects;
}
