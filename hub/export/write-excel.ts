import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { whenDrained } from './backpressure.js';
import type { Column, Row } from './table.js';

export const EXCEL_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** Excel opens at most 1 048 576 rows per sheet; the header takes one. */
export const EXCEL_MAX_DATA_ROWS = 1_048_575;

/** A streaming workbook on `out`: committed rows leave the sheet model, and writeSheet waits on the zip (see zipEntryOf). */
export function openWorkbook(out: Writable): ExcelJS.stream.xlsx.WorkbookWriter {
  // Styles only carry the date format; shared strings would keep every string in memory.
  return new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
}

/** Excel value of a cell: timestamp columns become dates (UTC), null an empty cell. */
function cell(c: Column, v: Row[string] | undefined): ExcelJS.CellValue {
  if (v === null || v === undefined) return null;
  return c.type === 'timestamp' && typeof v === 'number' ? new Date(v) : v;
}

/** archiver's PassThrough comes from readable-stream 2, which has no writableNeedDrain: its state says the same. */
type ZipEntry = Writable & { _writableState: { needDrain: boolean } };

/**
 * The stream that the zip reads `ws`'s XML from. ExcelJS 4.4 writes a sheet into
 * a StreamBuf (lib/utils/stream-buf.js) whose write() ignores its pipe's answer
 * and always returns true; archiver (archiver-utils normalizeInputSource) pipes
 * that StreamBuf into a PassThrough, the zip entry, which deflate reads only as
 * fast as `out` takes the zip. Unwatched, that PassThrough held the whole
 * uncompressed sheet: bench/export.ts peaked at 1.7 GiB RSS for 2.9 M rows.
 * None of this is public ExcelJS API, so the shape is checked here, once per
 * sheet, and a changed ExcelJS fails every excel export and test at once
 * instead of silently buffering again.
 */
function zipEntryOf(ws: ExcelJS.Worksheet): ZipEntry {
  const pipes = (ws as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  const entry = Array.isArray(pipes) && pipes.length === 1 ? (pipes[0] as Partial<ZipEntry>) : undefined;
  if (typeof entry?._writableState?.needDrain !== 'boolean' || typeof entry.once !== 'function') {
    throw new Error('exceljs internals changed: cannot find the zip entry a sheet streams into (see zipEntryOf in hub/export/write-excel.ts)');
  }
  return entry as ZipEntry;
}

/**
 * Streams rows into new sheets of the workbook (`name`, then `name (2)`, ...
 * each time a sheet reaches Excel's row limit). After each row it waits while
 * the sheet's zip entry holds more than its high-water mark, so the XML in
 * memory stays within ExcelJS's 64 KiB batch plus the zip's stream buffers
 * whatever the row count, and a slow `out` slows the rows (the zip is piped
 * into `out`). bench/export.ts (2.9 M rows): peak RSS 770-850 MiB, as csv
 * (850-870), was 1.7 GiB; 300 k to 3 M rows from memory all peak at 141-146 MiB.
 * Sheets are committed before the next one starts: the zip reads
 * entries in order, so an open earlier sheet would never let a later one drain.
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
    return { ws, entry: zipEntryOf(ws) };
  };
  let part = 1;
  let sheet = addSheet(part);
  let inSheet = 0;
  for await (const row of rows) {
    if (inSheet === maxRows) {
      sheet.ws.commit();
      sheet = addSheet(++part);
      inSheet = 0;
    }
    sheet.ws.addRow(columns.map((c) => cell(c, row[c.key]))).commit();
    inSheet++;
    await whenDrained(sheet.entry, sheet.entry._writableState.needDrain, out);
  }
  sheet.ws.commit();
}

/** Streams a table to `out` as an .xlsx with one sheet and ends it. */
export async function writeExcel(table: { title: string; columns: readonly Column[]; rows: AsyncIterable<Row> }, out: Writable): Promise<void> {
  const wb = openWorkbook(out);
  await writeSheet(wb, out, table.title, table.columns, table.rows);
  await wb.commit();
}
