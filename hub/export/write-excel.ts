import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { whenWritable } from './backpressure.js';
import type { Column, Row } from './table.js';

/**
 * How often (rows) the sheet waits for the reply to drain. ExcelJS's zip
 * side does not push back: bench/export.ts sees its buffers grow with the
 * rows (1.7 GiB RSS for 2.9 M rows), so only the reply's pace is honoured.
 */
const DRAIN_EVERY = 500;

export const EXCEL_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** Excel opens at most 1 048 576 rows per sheet; the header takes one. */
export const EXCEL_MAX_DATA_ROWS = 1_048_575;

/** A streaming workbook on `out`: committed rows leave the sheet model (see DRAIN_EVERY for the zip's buffers). */
export function openWorkbook(out: Writable): ExcelJS.stream.xlsx.WorkbookWriter {
  // Styles only carry the date format; shared strings would keep every string in memory.
  return new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
}

/** Excel value of a cell: timestamp columns become dates (UTC), null an empty cell. */
function cell(c: Column, v: Row[string] | undefined): ExcelJS.CellValue {
  if (v === null || v === undefined) return null;
  return c.type === 'timestamp' && typeof v === 'number' ? new Date(v) : v;
}

/**
 * Streams rows into new sheets of the workbook (`name`, then `name (2)`, ...
 * each time a sheet reaches Excel's row limit), waiting for `out` to drain
 * now and then.
 */
export async function writeSheet(
  wb: ExcelJS.stream.xlsx.WorkbookWriter,
  out: Writable,
  name: string,
  columns: readonly Column[],
  rows: AsyncIterable<Row> | Iterable<Row>,
  maxRows = EXCEL_MAX_DATA_ROWS,
): Promise<void> {
  const addSheet = (part: number) => {
    const ws = wb.addWorksheet(part === 1 ? name : `${name} (${part})`);
    ws.columns = columns.map((c) => ({ header: c.key, key: c.key, width: c.type === 'timestamp' ? 20 : Math.max(12, c.key.length + 2), style: c.type === 'timestamp' ? { numFmt: EXCEL_TIME_FORMAT } : {} }));
    return ws;
  };
  let part = 1;
  let ws = addSheet(part);
  let inSheet = 0;
  let n = 0;
  for await (const row of rows) {
    if (inSheet === maxRows) {
      ws.commit();
      ws = addSheet(++part);
      inSheet = 0;
    }
    ws.addRow(columns.map((c) => cell(c, row[c.key]))).commit();
    inSheet++;
    if (++n % DRAIN_EVERY === 0) await whenWritable(out);
  }
  ws.commit();
}

/** Streams a table to `out` as an .xlsx with one sheet and ends it. */
export async function writeExcel(table: { title: string; columns: readonly Column[]; rows: AsyncIterable<Row> }, out: Writable): Promise<void> {
  const wb = openWorkbook(out);
  await writeSheet(wb, out, table.title, table.columns, table.rows);
  await wb.commit();
}
