import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { textRow, type ExportTable } from './table.js';

async function* records(table: ExportTable): AsyncGenerator<(string | number | null)[]> {
  for await (const row of table.rows) {
    const t = textRow(table.columns, row);
    yield table.columns.map((c) => t[c.key] ?? null);
  }
}

/** Streams the table to `out` as CSV with a header line (empty cells for null) and ends it. */
export function writeCsv(table: ExportTable, out: Writable): Promise<void> {
  const csv = stringify({ header: true, columns: table.columns.map((c) => c.key) });
  return pipeline(Readable.from(records(table)), csv, out);
}
