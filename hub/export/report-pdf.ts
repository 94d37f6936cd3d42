import type { Writable } from 'node:stream';
import { drawLineChart } from './pdf-chart.js';
import { openPdf, type PdfMeta } from './pdf-document.js';
import { drawTable } from './pdf-table.js';
import { GPU_SUMMARY_COLUMNS, NODE_SUMMARY_COLUMNS, summaryRows, SUMMARY_COLUMNS, type ReportData } from './report-data.js';
import { MAX_PDF_ROWS } from './write-pdf.js';

/** The report as a PDF: fleet totals, the fleet power chart, then the node and GPU tables (each capped at MAX_PDF_ROWS). */
export async function writeReportPdf(report: ReportData, out: Writable, meta: PdfMeta): Promise<void> {
  const { doc, finish } = openPdf(out, meta);
  const { left, right } = doc.page.margins;
  const width = doc.page.width - left - right;

  doc.font('Helvetica-Bold').fontSize(11).text('Fleet totals');
  doc.moveDown(0.3);
  const summaryTop = doc.y;
  drawTable(doc, SUMMARY_COLUMNS, summaryRows(report.fleet), { x: left, width: 260 });
  drawLineChart(doc, { title: 'Fleet power over time', unit: 'W', points: report.series, step: meta.step }, left + 290, summaryTop - 16, width - 290, 230);

  const section = (title: string, columns: typeof NODE_SUMMARY_COLUMNS, rows: typeof report.nodes) => {
    doc.addPage();
    doc.font('Helvetica-Bold').fontSize(11).text(title, left, doc.page.margins.top);
    if (rows.length > MAX_PDF_ROWS) doc.font('Helvetica').fontSize(8).text(`${rows.length} rows; the first ${MAX_PDF_ROWS} are printed (the excel report has all).`);
    doc.moveDown(0.3);
    drawTable(doc, columns, rows.slice(0, MAX_PDF_ROWS));
  };
  section('Nodes', NODE_SUMMARY_COLUMNS, report.nodes);
  section('GPUs', GPU_SUMMARY_COLUMNS, report.gpus);
  await finish();
}
