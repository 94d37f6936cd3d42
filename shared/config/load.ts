import { readFileSync } from 'node:fs';
import { Kind, type TObject, type TSchema, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';

/** A configuration problem, always naming the key (dotted path) it is about. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(key ? `config key "${key}": ${message}` : `config: ${message}`);
    this.name = 'ConfigError';
  }
}

/** `passwordFile` -> `PASSWORD_FILE`. */
function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Every leaf key path of an object schema, with the env variable that overrides it. */
export function envKeys(schema: TSchema, prefix: string, path: string[] = []): { path: string[]; env: string }[] {
  if (schema[Kind] === 'Object') {
    return Object.entries((schema as TObject).properties).flatMap(([k, s]) => envKeys(s, prefix, [...path, k]));
  }
  return [{ path, env: `${prefix}_${path.map(envSegment).join('_')}` }];
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/**
 * Loads a YAML config file (optional), applies `<PREFIX>_<PATH>` environment
 * overrides, fills defaults and validates. Throws ConfigError naming the key.
 */
export function loadConfig<T extends TObject>(
  schema: T,
  opts: { file?: string; envPrefix: string; env?: NodeJS.ProcessEnv },
): Static<T> {
  const env = opts.env ?? process.env;
  let raw: unknown = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError('', `cannot read ${opts.file}: ${(err as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError('', `${opts.file} is not valid YAML: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('', `${opts.file} must hold a YAML mapping`);
  }
  const data = structuredClone(raw) as Record<string, unknown>;
  for (const { path, env: name } of envKeys(schema, opts.envPrefix)) {
    const value = env[name];
    if (value !== undefined) setPath(data, path, value);
  }
  const withDefaults = Value.Default(schema, Value.Convert(schema, data));
  const unknownKey = findUnknownKey(schema, withDefaults);
  if (unknownKey) throw new ConfigError(unknownKey, 'unknown key (check the spelling; see the README for the keys)');
  const first = Value.Errors(schema, withDefaults).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replaceAll('/', '.');
    throw new ConfigError(key, `${first.message} (got ${JSON.stringify(first.value)})`);
  }
  return withDefaults as Static<T>;
}

function findUnknownKey(schema: TSchema, data: unknown, path: string[] = []): string | null {
  if (schema[Kind] !== 'Object' || typeof data !== 'object' || data === null) return null;
  const props = (schema as TObject).properties;
  for (const [k, v] of Object.entries(data)) {
    const sub = props[k];
    if (!sub) return [...path, k].join('.');
    const nested = findUnknownKey(sub, v, [...path, k]);
    if (nested) return nested;
  }
  return null;
}
