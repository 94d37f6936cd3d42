import type { Writable } from 'node:stream';
import { drawLineChart } from './pdf-chart.js';
import { openPdf, type PdfMeta } from './pdf-document.js';
import { drawTable } from './pdf-table.js';
import type { ExportTable, Row } from './table.js';

/**
 * Rows a PDF table holds. A PDF is for reading, not for data: the whole
 * range is still read (for the chart and the row count), but only this many
 * rows are kept and printed; CSV and Parquet carry every row.
 */
export const MAX_PDF_ROWS = 2000;

/** The table's chart column summed per timestamp: the fleet's line over time. */
function addToChart(chart: Map<number, number>, table: ExportTable, row: Row): void {
  const v = table.chartColumn ? row[table.chartColumn] : null;
  if (typeof v !== 'number') return;
  const ts = row.timestamp as number;
  chart.set(ts, (chart.get(ts) ?? 0) + v);
}

/** Writes the table as a PDF (chart of the chart column, then the first MAX_PDF_ROWS rows) to `out` and ends it. */
export async function writePdf(table: ExportTable, out: Writable, meta: PdfMeta): Promise<void> {
  const kept: Row[] = [];
  const chart = new Map<number, number>();
  let total = 0;
  for await (const row of table.rows) {
    total++;
    if (kept.length < MAX_PDF_ROWS) kept.push(row);
    addToChart(chart, table, row);
  }
  const { doc, finish } = openPdf(out, meta);
  doc.fontSize(9).text(total > kept.length ? `${total} rows; the first ${kept.length} are printed (use csv or parquet for all of them).` : `${total} rows.`);
  doc.moveDown();
  if (table.chartColumn) {
    const points = [...chart.entries()].sort((a, b) => a[0] - b[0]);
    const { left, right } = doc.page.margins;
    // The axis spans the range asked for, not the data: where nothing was stored shows as such.
    drawLineChart(doc, { title: `${table.chartColumn.replaceAll('_', ' ')} (sum of rows per step)`, unit: 'W', points, step: meta.step, from: meta.from, to: meta.to }, left, doc.y, doc.page.width - left - right, 220);
    doc.addPage();
  }
  drawTable(doc, table.columns, kept);
  await finish();
}
