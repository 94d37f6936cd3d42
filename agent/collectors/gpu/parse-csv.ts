/**
 * Pure parser for `nvidia-smi --query-gpu=<fields> --format=csv[,noheader][,nounits]`.
 *
 * A real header and row (H100, driver 590.48.01):
 *   index, uuid, power.draw [W], utilization.gpu [%], fan.speed [%]
 *   0, GPU-00000000-0000-0000-0000-000000000000, 631.95 W, 100 %, [N/A]
 * Cells are separated by ", " and never quoted; values may carry units
 * (`631.95 W`) and `[...]` sentinels mean "no reading".
 */

/** `power.draw [W]` -> `power.draw`: `nounits` drops units from values but not from the header. */
export function fieldName(header: string): string {
  return header.trim().replace(/\s*\[[^\]]*\]$/, '');
}

/** Splits one CSV line into trimmed cells. */
export function splitRow(line: string): string[] {
  return line.split(',').map((c) => c.trim());
}

/** Parses a whole output that has a header line into records keyed by field name. */
export function parseQueryCsv(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const fields = splitRow(lines[0]!).map(fieldName);
  return lines.slice(1).map((l) => rowToRecord(fields, l));
}

/** Maps a `noheader` row onto the fields that were asked for; throws if the cell count differs. */
export function rowToRecord(fields: readonly string[], line: string): Record<string, string> {
  const cells = splitRow(line);
  if (cells.length !== fields.length) throw new Error(`nvidia-smi row has ${cells.length} cells, expected ${fields.length}: ${line.slice(0, 120)}`);
  return Object.fromEntries(fields.map((f, i) => [f, cells[i]!]));
}
