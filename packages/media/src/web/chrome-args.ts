/**
 * Config `chrome_flags` (Go's `map[string]interface{}`): `true` adds `--name`, `false` removes
 * the flag (ours or one of puppeteer's defaults), any other value adds `--name=value`. Names may
 * be written with or without the leading `--`.
 */
export type ChromeFlags = Readonly<Record<string, unknown>>;

/** Options of {@link chromeArgs}. */
export interface ChromeArgsOptions {
  /** Window size in pixels; the same as the Xvfb screen. */
  width: number;
  height: number;
  /** Config `enable_chrome_sandbox`. @defaultValue false */
  enableSandbox?: boolean;
  /** Request `insecure` (web egress): no web security, mixed content allowed. @defaultValue false */
  insecure?: boolean;
  chromeFlags?: ChromeFlags;
}

/** Chromium flags and the flags to drop from puppeteer's defaults. */
export interface ChromeArgs {
  /** Flags added to puppeteer's defaults (`args`). */
  args: string[];
  /** Names (without `--`) of flags set to `false`, to drop from puppeteer's defaults too. */
  removed: string[];
}

/**
 * Go's `disable-features` (egress-go-behavior.md §5): out-of-process audio would leave the
 * browser process, whose `PULSE_SINK` picks the egress sink; puppeteer adds `Translate` itself.
 */
const DISABLED_FEATURES = [
  'AudioServiceOutOfProcess',
  'site-per-process',
  'TranslateUI',
  'BlinkGenPropertyTrees',
];

function flagName(arg: string): string {
  const body = arg.replace(/^--/, '');
  const eq = body.indexOf('=');
  return eq >= 0 ? body.slice(0, eq) : body;
}

function flagArg(name: string, value: unknown): string | undefined {
  if (value === false || value === undefined || value === null) return undefined;
  if (value === true) return `--${name}`;
  return `--${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/**
 * The Chromium flags of a web source, on top of puppeteer's defaults (which already hold Go's
 * "puppeteer default behavior" list: background throttling off, dev-shm off, `srgb`, no sync, no
 * first run, ...): Go's own flags, environment.md §3's measured ones, `insecure`, the sandbox
 * switch and `chrome_flags`, which override everything else by name.
 */
export function chromeArgs(options: ChromeArgsOptions): ChromeArgs {
  const base: Array<[string, unknown]> = [
    ['kiosk', true],
    ['autoplay-policy', 'no-user-gesture-required'],
    ['window-position', '0,0'],
    ['window-size', `${options.width},${options.height}`],
    ['disable-gpu', true],
    ['disable-background-networking', true],
    ['disable-component-update', true],
    ['disable-sync', true],
    ['no-first-run', true],
    ['no-default-browser-check', true],
    ['disable-dev-shm-usage', true],
    ['disable-quic', true],
    ['disable-background-timer-throttling', true],
    ['disable-backgrounding-occluded-windows', true],
    ['disable-renderer-backgrounding', true],
    ['disable-translate', true],
    ['force-color-profile', 'srgb'],
    ['disable-features', DISABLED_FEATURES.join(',')],
    ['enable-features', 'NetworkService,NetworkServiceInProcess'],
    ['no-sandbox', !options.enableSandbox],
  ];
  if (options.insecure) {
    base.push(['disable-web-security', true], ['allow-running-insecure-content', true]);
  }
  const flags = new Map<string, unknown>(base);
  const removed: string[] = [];
  for (const [rawName, value] of Object.entries(options.chromeFlags ?? {})) {
    const name = flagName(rawName);
    if (name === '') continue;
    flags.set(name, value);
    if (value === false) removed.push(name);
  }
  const args: string[] = [];
  for (const [name, value] of flags) {
    const arg = flagArg(name, value);
    if (arg !== undefined) args.push(arg);
  }
  return { args, removed };
}

/** The entries of puppeteer's default flags whose name is one of `removed`. */
export function defaultArgsToIgnore(
  defaults: readonly string[],
  removed: readonly string[],
): string[] {
  const names = new Set(removed);
  return defaults.filter((arg) => arg.startsWith('--') && names.has(flagName(arg)));
}
