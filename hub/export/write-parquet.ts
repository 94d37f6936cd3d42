import type { Writable } from 'node:stream';
import parquet from '@dsnp/parquetjs';
import type { ExportTable } from './table.js';

/** Rows per row group: what the writer holds in memory before it writes a group out. */
const ROW_GROUP_SIZE = 8192;

const FIELD = {
  timestamp: { type: 'TIMESTAMP_MILLIS', compression: 'SNAPPY' },
  string: { type: 'UTF8', optional: true, compression: 'SNAPPY' },
  double: { type: 'DOUBLE', optional: true, compression: 'SNAPPY' },
} as const;

/** The Parquet schema of a table: time as TIMESTAMP_MILLIS (UTC), every other column nullable. */
export function parquetSchema(table: Pick<ExportTable, 'columns'>): InstanceType<typeof parquet.ParquetSchema> {
  return new parquet.ParquetSchema(Object.fromEntries(table.columns.map((c) => [c.key, { ...FIELD[c.type] }])));
}

/**
 * Streams the table to `out` as Parquet and ends it. The writer awaits each
 * write's callback, so a slow client holds the producer back.
 */
export async function writeParquet(table: ExportTable, out: Writable): Promise<void> {
  // parquetjs types its output as an fs.WriteStream; it only calls write(buf, cb) and end(cb), which every Writable has.
  const stream = out as unknown as Parameters<typeof parquet.ParquetWriter.openStream>[1];
  const writer = await parquet.ParquetWriter.openStream(parquetSchema(table), stream, { rowGroupSize: ROW_GROUP_SIZE });
  for await (const row of table.rows) {
    const rec: Record<string, unknown> = {};
    for (const c of table.columns) {
      const v = row[c.key] ?? null;
      rec[c.key] = c.type === 'timestamp' && v !== null ? new Date(v as number) : v;
    }
    await writer.appendRow(rec);
  }
  await writer.close();
}
