import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { EgressError } from '../errors.js';
import { type Config, createConfigSchema } from './config-schema.js';

/** Largest config accepted, from a file or `EGRESS_CONFIG_BODY`. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Most YAML alias expansions accepted (guards against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;

/** Most problems listed in one error message; the rest are counted. */
const MAX_LISTED_PROBLEMS = 20;

/** Most unknown keys warned about one by one; the rest get one summary line. */
const MAX_UNKNOWN_KEY_WARNINGS = 50;

/**
 * Keys the Go service reads that we accept and ignore, with a warning that says so instead of
 * "unknown key".
 */
const GO_KEYS_IGNORED = new Set([
  'logging.sample',
  'logging.component_levels',
  'logging.sample_initial',
  'logging.sample_interval',
  'logging.item_sample_seconds',
  'logging.item_sample_initial',
  'logging.item_sample_interval',
  'latency_overrides',
  'test_overrides',
]);

/**
 * Go keys the schema reads (they keep their types and defaults in {@link Config}) that no service
 * applies yet (issue: drop-in fidelity). Setting one is a warning at start, never silent; the
 * README's config table marks them. A block's path covers every key below it.
 */
export const GO_KEYS_NOT_APPLIED = [
  'io_selection_timeout',
  'io_workers',
  'video_encoder_threads',
  'max_upload_queue',
  'cpu_cost.memory_cost',
  'cpu_cost.sdk_audio_room_composite_memory_cost',
  'cpu_cost.max_pulse_clients',
  'redis.pool_timeout',
  'redis.pool_size',
  'redis.read_timeout',
  'redis.write_timeout',
  'debug_handler_port',
  'debug.enable_profiling',
  'debug.enable_track_logging',
  'debug.enable_stream_logging',
  'debug.enable_chrome_logging',
  'latency',
  'enable_one_shot_sender_report_sync',
  'enable_sync_engine',
  'audio_tempo_controller',
] as const;

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Receives each warning (unknown key, a value that fell back, YAML warning) as one line.
   * @defaultValue writes `config warning: <message>` to stderr
   */
  onWarning?: (message: string) => void;
  /** Base for a relative `EGRESS_CONFIG_FILE` and `local_output_dir`. @defaultValue process.cwd() */
  cwd?: string;
}

/**
 * Loads the service config, the way the Go service does: YAML from `EGRESS_CONFIG_BODY` (wins)
 * or the file at `EGRESS_CONFIG_FILE`, an empty config when neither is set, env fallbacks
 * `LIVEKIT_API_KEY`, `LIVEKIT_API_SECRET`, `LIVEKIT_WS_URL` for keys the YAML leaves unset, and
 * `LOG_LEVEL` over `logging.level`. The only reader of the process env: callers pass it in.
 *
 * Unknown keys (at any depth) are warnings naming their full path. Messages quote key paths and
 * never values, so secrets cannot leak through them.
 *
 * @returns the deeply frozen config
 * @throws EgressError `invalid_argument`: unreadable file, YAML syntax error (with line and
 *   column), wrong types or values (every problem found, each as `key.path: what to change`)
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: LoadConfigOptions = {},
): Config {
  const onWarning = options.onWarning ?? writeWarningToStderr;
  const cwd = options.cwd ?? process.cwd();

  const { text, source } = readConfigText(env, cwd);
  const tree = parseYaml(text, source, onWarning);

  const schemaEnv = {
    LIVEKIT_API_KEY: env.LIVEKIT_API_KEY,
    LIVEKIT_API_SECRET: env.LIVEKIT_API_SECRET,
    LIVEKIT_WS_URL: env.LIVEKIT_WS_URL,
    LOG_LEVEL: env.LOG_LEVEL,
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN: env.AWS_SESSION_TOKEN,
    AWS_DEFAULT_REGION: env.AWS_DEFAULT_REGION,
    AZURE_STORAGE_ACCOUNT: env.AZURE_STORAGE_ACCOUNT,
    AZURE_STORAGE_KEY: env.AZURE_STORAGE_KEY,
  };

  // First pass: find unknown keys (warned, then removed) and wrong types. Transforms run here
  // with warnings muted, so each warning is given once, by the second pass.
  const first = createConfigSchema({ env: schemaEnv, cwd }).safeParse(tree);
  if (!first.success) {
    const problems: z.core.$ZodIssue[] = [];
    let unknownKeys = 0;
    for (const issue of first.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          unknownKeys += 1;
          if (unknownKeys <= MAX_UNKNOWN_KEY_WARNINGS) {
            onWarning(unknownKeyWarning([...issue.path, key]));
          }
          removeKey(tree, issue.path, key);
        }
      } else {
        problems.push(issue);
      }
    }
    if (unknownKeys > MAX_UNKNOWN_KEY_WARNINGS) {
      onWarning(`${unknownKeys - MAX_UNKNOWN_KEY_WARNINGS} more unknown keys, ignored`);
    }
    if (problems.length > 0) throw toError(problems);
  }

  const second = createConfigSchema({ env: schemaEnv, cwd, onWarning }).safeParse(tree);
  if (!second.success) throw toError(second.error.issues);
  for (const key of GO_KEYS_NOT_APPLIED) {
    if (valueAt(tree, key.split('.')) !== undefined) {
      onWarning(`${key}: read as Go reads it, but not applied yet by this service`);
    }
  }
  return deepFreeze(second.data);
}

/** The value at `keys` in the parsed YAML; `undefined` when absent or null. */
function valueAt(tree: unknown, keys: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const key of keys) {
    if (!isPlainMap(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key as string];
  }
  return node ?? undefined;
}

function writeWarningToStderr(message: string): void {
  process.stderr.write(`config warning: ${message}\n`);
}

function readConfigText(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): { text: string; source: string } {
  const body = env.EGRESS_CONFIG_BODY;
  if (body) {
    if (Buffer.byteLength(body) > MAX_CONFIG_BYTES) {
      throw EgressError.invalidArgument(
        `EGRESS_CONFIG_BODY: the config is larger than ${MAX_CONFIG_BYTES} bytes`,
      );
    }
    return { text: body, source: 'EGRESS_CONFIG_BODY' };
  }
  const file = env.EGRESS_CONFIG_FILE;
  if (!file) return { text: '', source: 'config' };

  const filePath = path.resolve(cwd, file);
  let text: string;
  try {
    const stat = statSync(filePath);
    if (!stat.isFile()) {
      throw EgressError.invalidArgument(`EGRESS_CONFIG_FILE: ${filePath} is not a regular file`);
    }
    if (stat.size > MAX_CONFIG_BYTES) {
      throw EgressError.invalidArgument(
        `EGRESS_CONFIG_FILE: ${filePath} is larger than ${MAX_CONFIG_BYTES} bytes`,
      );
    }
    text = readFileSync(filePath, 'utf8');
  } catch (err) {
    if (err instanceof EgressError) throw err;
    throw new EgressError(
      'invalid_argument',
      `EGRESS_CONFIG_FILE: cannot read ${filePath} (${fileErrorReason(err)})`,
      { cause: err },
    );
  }
  return { text, source: filePath };
}

function fileErrorReason(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return typeof code === 'string' && code !== '' ? code : 'read failed';
  }
}

const YAML_CODE_TEXT: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'duplicate key',
  BAD_INDENT: 'bad indentation',
  TAB_AS_INDENT: 'tab used for indentation',
  MULTIPLE_DOCS: 'more than one YAML document',
  MISSING_CHAR: 'missing character (unclosed quote or bracket?)',
  BLOCK_AS_IMPLICIT_KEY: 'a nested block cannot be a key (missing colon?)',
  UNEXPECTED_TOKEN: 'unexpected token',
  BAD_ALIAS: 'bad alias',
  MULTILINE_IMPLICIT_KEY: 'a key cannot span lines (missing colon?)',
  RESOURCE_EXHAUSTION: 'nested too deeply',
};

function yamlProblem(
  source: string,
  kind: string,
  err: { code: string; linePos?: [{ line: number; col: number }] | [unknown, unknown] },
): string {
  const pos = err.linePos?.[0] as { line: number; col: number } | undefined;
  const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
  const what = YAML_CODE_TEXT[err.code] ?? err.code.toLowerCase().replaceAll('_', ' ');
  // The library's message quotes the source line (prettyErrors adds linePos), which may hold a
  // secret: never use it.
  return `${source}: YAML ${kind}${where}: ${what}`;
}

function parseYaml(text: string, source: string, onWarning: (message: string) => void): unknown {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw EgressError.invalidArgument(
      doc.errors.map((e) => yamlProblem(source, 'syntax error', e)).join('; '),
    );
  }
  for (const warning of doc.warnings) onWarning(yamlProblem(source, 'warning', warning));

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const aliases = err instanceof ReferenceError && /alias/i.test(err.message);
    throw new EgressError(
      'invalid_argument',
      aliases
        ? `${source}: too many YAML alias expansions (more than ${MAX_ALIAS_COUNT})`
        : `${source}: the YAML cannot be read`,
    );
  }
  if (value === null || value === undefined) return {};
  if (!isPlainMap(value)) {
    throw EgressError.invalidArgument(`${source}: expected a map of config keys at the top level`);
  }
  return normalize(value);
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Copies the YAML tree with `null` map values as `undefined` (Go leaves a field unchanged for
 * `key:` with no value), so the schema's defaults apply. `Object.fromEntries` keeps a
 * `__proto__` key as a plain own key.
 */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (isPlainMap(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, v === null ? undefined : normalize(v)]),
    );
  }
  return value;
}

function removeKey(tree: unknown, at: readonly PropertyKey[], key: string): void {
  const node = valueAt(tree, at);
  if (isPlainMap(node)) delete node[key];
}

function unknownKeyWarning(at: readonly PropertyKey[]): string {
  const keyPath = formatPath(at);
  return GO_KEYS_IGNORED.has(keyPath)
    ? `${keyPath}: a Go egress setting this service does not use, ignored`
    : `${keyPath}: unknown key, ignored`;
}

/** `storage.s3.bucket`, `webhook.urls[0]`; odd or long keys are quoted and cut. */
function formatPath(at: readonly PropertyKey[]): string {
  if (at.length === 0) return 'config';
  let out = '';
  for (const segment of at) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
      continue;
    }
    const name = String(segment);
    const part = /^[A-Za-z0-9_-]{1,64}$/.test(name)
      ? name
      : JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
    out += out === '' ? part : `.${part}`;
  }
  return out;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // Every schema check carries our own text; this covers any issue that might not.
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    return `expected ${issue.expected}`;
  }
  return issue.message;
}

function toError(issues: readonly z.core.$ZodIssue[]): EgressError {
  const details: Record<string, string> = {};
  for (const issue of issues) {
    const key = formatPath(issue.path);
    details[key] ??= issueMessage(issue);
  }
  const lines = Object.entries(details).map(([key, message]) => `${key}: ${message}`);
  const listed = lines.slice(0, MAX_LISTED_PROBLEMS);
  if (lines.length > listed.length) listed.push(`and ${lines.length - listed.length} more`);
  return EgressError.invalidArgument(listed.join('; '), details);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
