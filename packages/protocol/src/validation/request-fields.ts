import type { EncodingOptions, EncodingOptionsPreset } from '@livekit/protocol';
import type { EgressRequest } from '../request-types.js';
import { invalidField } from './encoding.js';
import type { UploadConfig } from './validated-egress.js';

/**
 * Length limits on request strings (ours; Go has none). They keep a hostile request from
 * carrying megabytes into names, logs and object keys. Paths follow S3's 1024-byte key limit.
 */
export const REQUEST_LIMITS = Object.freeze({
  maxNameChars: 1024,
  maxPathChars: 1024,
  maxUrlChars: 8192,
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Reads a string field: absent is `''`; refuses other types, a blank value when `required`, more
 * than `maxChars` characters (default {@link REQUEST_LIMITS}`.maxNameChars`) and control characters.
 * @throws `invalid_argument` naming `field`.
 */
export function checkText(
  field: string,
  value: unknown,
  options: { required?: boolean; maxChars?: number } = {},
): string {
  const { required = false, maxChars = REQUEST_LIMITS.maxNameChars } = options;
  const text = value === undefined || value === null ? '' : value;
  if (typeof text !== 'string') throw invalidField(field, 'expected a string');
  if (required && text.trim() === '') throw invalidField(field, 'it is required');
  if (text.length > maxChars) throw invalidField(field, `use at most ${maxChars} characters`);
  if (CONTROL_CHARS.test(text)) throw invalidField(field, 'remove control characters');
  return text;
}

/**
 * Reads an http:// or https:// URL field (`''` when absent and not `required`).
 * @throws `invalid_argument` naming `field`.
 */
export function checkHttpUrl(field: string, value: unknown, required: boolean): string {
  const url = checkText(field, value, { required, maxChars: REQUEST_LIMITS.maxUrlChars });
  if (url === '') return url;
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    // Not a URL at all: the hint below says what is expected.
    scheme = '';
  }
  if (scheme !== 'http:' && scheme !== 'https:') {
    throw invalidField(field, 'use an http:// or https:// url');
  }
  return url;
}

/**
 * Reads a whole number from 0 to `max` (absent is 0); `hint` says what to send instead.
 * @throws `invalid_argument` naming `field`.
 */
export function checkUint(field: string, value: unknown, hint: string, max = 0xffffffff): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalidField(field, hint);
  }
  return value;
}

/** A storage oneof as an {@link UploadConfig}; undefined when no provider is set. */
export function uploadOf(
  output: { case?: string; value?: unknown } | undefined,
): UploadConfig | undefined {
  if (!output || output.case === undefined || output.value === undefined) return undefined;
  return output as UploadConfig;
}

/** The objects of a repeated field; anything else in it is dropped. */
export function listOf<T>(value: unknown): T[] {
  return Array.isArray(value)
    ? (value.filter((v) => typeof v === 'object' && v !== null) as T[])
    : [];
}

interface EncodingOneof {
  case?: 'preset' | 'advanced' | undefined;
  value?: EncodingOptionsPreset | EncodingOptions | undefined;
}

/** A request's `preset | advanced` encoding oneof, unwrapped for `resolveEncoding`. */
export function encodingOf(options: EncodingOneof | undefined): {
  preset?: EncodingOptionsPreset;
  advanced?: EncodingOptions;
} {
  if (options?.case === 'preset') return { preset: options.value as EncodingOptionsPreset };
  if (options?.case === 'advanced' && typeof options.value === 'object' && options.value !== null) {
    return { advanced: options.value as EncodingOptions };
  }
  return {};
}

/** The value of one `EgressRequest` case. */
export type RequestValue<C extends EgressRequest['case']> = Extract<
  EgressRequest,
  { case: C }
>['value'];
