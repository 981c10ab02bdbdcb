/** The three layouts the default template draws. */
export const LAYOUT_NAMES = ['speaker', 'grid', 'single-speaker'] as const;

/** One of {@link LAYOUT_NAMES}. */
export type LayoutName = (typeof LAYOUT_NAMES)[number];

/** Page colours: `-dark` (the default) or `-light`. */
export type Theme = 'dark' | 'light';

/** A layout value split into what to draw and in which colours. */
export interface ParsedLayout {
  /** Which arrangement of tiles. */
  name: LayoutName;
  /** Which colours. */
  theme: Theme;
  /** The canonical value, `<name>-<theme>` (`grid-dark`), whatever spelling came in. */
  value: string;
}

/** What an empty or unknown layout value becomes, as in the Go default template. */
export const DEFAULT_LAYOUT: ParsedLayout = { name: 'grid', theme: 'dark', value: 'grid-dark' };

function isLayoutName(value: string): value is LayoutName {
  return (LAYOUT_NAMES as readonly string[]).includes(value);
}

/**
 * Reads a layout value (`?layout=` or UpdateLayout): `speaker`, `grid` or `single-speaker`, with an
 * optional `-dark` or `-light` suffix, case and surrounding spaces ignored. Anything else (empty,
 * misspelt, a custom name meant for another template) is {@link DEFAULT_LAYOUT}, so a recording
 * never fails over a layout name.
 */
export function parseLayout(value: string | null | undefined): ParsedLayout {
  const text = (value ?? '').trim().toLowerCase();
  let base = text;
  let theme: Theme = 'dark';
  if (text.endsWith('-light')) {
    base = text.slice(0, -'-light'.length);
    theme = 'light';
  } else if (text.endsWith('-dark')) {
    base = text.slice(0, -'-dark'.length);
  }
  if (!isLayoutName(base)) return DEFAULT_LAYOUT;
  return { name: base, theme, value: `${base}-${theme}` };
}

/**
 * The layout carried in a participant's metadata, `{"layout": "speaker-light"}`, which is what
 * livekit-server writes on the recorder when it handles UpdateLayout. Returns undefined for empty
 * metadata, metadata that is not such a JSON object, or an empty layout, so stray metadata never
 * changes the layout (the Go egress-sdk throws on non-JSON metadata instead).
 */
export function layoutFromMetadata(metadata: string | null | undefined): string | undefined {
  if (!metadata) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata);
  } catch {
    // Not JSON: someone else's metadata, not a layout update; keep the current layout.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('layout' in parsed)) return undefined;
  const layout = parsed.layout;
  return typeof layout === 'string' && layout.trim() !== '' ? layout : undefined;
}
