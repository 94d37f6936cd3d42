/** How a column's values are typed in formats that carry types (Parquet, Excel). */
export type ColumnType = 'timestamp' | 'string' | 'double';

export interface Column {
  key: string;
  type: ColumnType;
}

/** One output row: timestamps are epoch ms, unavailable values are null (never 0). */
export type Row = Record<string, string | number | null>;

/** What every writer consumes: typed columns and rows produced lazily, one window of steps at a time. */
export interface ExportTable {
  /** Sheet name and PDF title. */
  title: string;
  columns: readonly Column[];
  rows: AsyncIterable<Row>;
  /** Column the PDF charts per timestamp (summed over rows); none for tables without a power column. */
  chartColumn?: string;
}

/** ISO 8601 text of a timestamp column value (JSON and CSV carry time as text). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A row with its timestamp columns as ISO text: the JSON and CSV form. */
export function textRow(columns: readonly Column[], row: Row): Row {
  const out: Row = {};
  for (const c of columns) {
    const v = row[c.key] ?? null;
    out[c.key] = c.type === 'timestamp' && typeof v === 'number' ? isoTime(v) : v;
  }
  return out;
}
