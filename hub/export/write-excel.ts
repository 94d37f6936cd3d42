import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { whenWritable } from './backpressure.js';
import type { Column, Row } from './table.js';

/** How often (rows) the sheet waits for the reply to drain: ExcelJS's zip writer does not push back itself. */
const DRAIN_EVERY = 500;

export const EXCEL_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** A streaming workbook on `out`: rows go to the zip as they are committed, nothing is kept. */
export function openWorkbook(out: Writable): ExcelJS.stream.xlsx.WorkbookWriter {
  // Styles only carry the date format; shared strings would keep every string in memory.
  return new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
}

/** Excel value of a cell: timestamp columns become dates (UTC), null an empty cell. */
function cell(c: Column, v: Row[string] | undefined): ExcelJS.CellValue {
  if (v === null || v === undefined) return null;
  return c.type === 'timestamp' && typeof v === 'number' ? new Date(v) : v;
}

/** Streams rows into a new sheet of the workbook, waiting for `out` to drain now and then. */
export async function writeSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, out: Writable, name: string, columns: readonly Column[], rows: AsyncIterable<Row> | Iterable<Row>): Promise<void> {
  const ws = wb.addWorksheet(name);
  ws.columns = columns.map((c) => ({ header: c.key, key: c.key, width: c.type === 'timestamp' ? 20 : Math.max(12, c.key.length + 2), style: c.type === 'timestamp' ? { numFmt: EXCEL_TIME_FORMAT } : {} }));
  let n = 0;
  for await (const row of rows) {
    ws.addRow(columns.map((c) => cell(c, row[c.key]))).commit();
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
