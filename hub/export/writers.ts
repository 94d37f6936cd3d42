import type { Writable } from 'node:stream';
import type { ExportFormat } from './formats.js';
import type { PdfMeta } from './pdf-document.js';
import type { ExportTable } from './table.js';
import { writeCsv } from './write-csv.js';
import { writeExcel } from './write-excel.js';
import { writeJson } from './write-json.js';
import { writeParquet } from './write-parquet.js';
import { writePdf } from './write-pdf.js';

/** Writes a whole table to `out` in one format and ends it; rejects when `out` fails or closes early. */
export type TableWriter = (table: ExportTable, out: Writable, meta: PdfMeta) => Promise<void>;

export const TABLE_WRITERS: Record<ExportFormat, TableWriter> = {
  json: writeJson,
  csv: writeCsv,
  excel: writeExcel,
  parquet: writeParquet,
  pdf: writePdf,
};
