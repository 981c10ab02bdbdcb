import { EgressError } from '@egress/protocol';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * One `name=value` element property as a single `gst-launch-1.0` argument. gst-launch escapes
 * spaces and quotes of each argument itself (`gst_parse_launchv`), so file names with spaces,
 * quotes or unicode need no quoting; only a backslash must be doubled, since the parser reads it
 * as an escape.
 *
 * @throws `invalid_argument` when the value holds a control character or ends in a backslash,
 * which the gst-launch parser cannot carry through (checked against GStreamer 1.22).
 */
export function gstProp(name: string, value: string | number | boolean): string {
  if (typeof value !== 'string') return `${name}=${String(value)}`;
  if (CONTROL_CHARS.test(value)) {
    throw EgressError.invalidArgument(`${name}: remove control characters from the value`);
  }
  if (value.endsWith('\\')) {
    throw EgressError.invalidArgument(`${name}: the value must not end in a backslash`);
  }
  return `${name}=${value.replaceAll('\\', '\\\\')}`;
}

/**
 * Escapes `%` for a printf-style location (`multifilesink`, `hlssink2`), so a folder named
 * `100%` stays a folder and not a format directive.
 */
export function escapePrintf(text: string): string {
  return text.replaceAll('%', '%%');
}
