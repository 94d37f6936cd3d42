export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Validates a `--format` flag against the formats a command supports. */
export function parseFormat<const F extends readonly OutputFormat[]>(value: string, allowed: F): F[number] {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`invalid --format "${value}": use ${allowed.join(', ')}`);
  return value as F[number];
}
