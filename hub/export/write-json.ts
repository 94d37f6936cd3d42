import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { textRow, type ExportTable } from './table.js';

/** Rows per chunk handed to the stream: fewer, larger writes than one per row. */
const ROWS_PER_CHUNK = 256;

/** The table as a JSON array of row objects (timestamps as ISO 8601), in chunks. */
export async function* jsonChunks(table: ExportTable): AsyncGenerator<string> {
  let buf = '[';
  let n = 0;
  for await (const row of table.rows) {
    buf += (n === 0 ? '\n' : ',\n') + JSON.stringify(textRow(table.columns, row));
    if (++n % ROWS_PER_CHUNK === 0) {
      yield buf;
      buf = '';
    }
  }
  yield `${buf}${n === 0 ? '' : '\n'}]\n`;
}

/** Streams the table to `out` as a JSON array and ends it. */
export function writeJson(table: ExportTable, out: Writable): Promise<void> {
  return pipeline(Readable.from(jsonChunks(table)), out);
}
