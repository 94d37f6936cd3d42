import type { Writable } from 'node:stream';
import { drawLineChart, peakLabel } from './pdf-chart.js';
import { openPdf, type PdfMeta } from './pdf-document.js';
import { pdfTime } from './pdf-format.js';
import { drawTable } from './pdf-table.js';
import { CLUSTER_COLUMNS, GAP_COLUMNS, GPU_COLUMNS, NAMESPACE_COLUMNS, NODE_COLUMNS, summaryRows, SUMMARY_COLUMNS, TOP_COLUMNS, type ReportData } from './report-data.js';
import type { Column, Row } from './table.js';
import { MAX_PDF_ROWS } from './write-pdf.js';

/** Where page 1's chart is drawn, in PDF points (A4 landscape): fixed, so a rendering of it can be checked. */
export const REPORT_CHART_BOX = { x: 296, y: 100, width: 510, height: 240 } as const;
const SUMMARY_WIDTH = 240;
/** A section heading is not left alone at a page's foot: it needs room for the table header and a few rows. */
const SECTION_MIN_HEIGHT = 80;
const TIME_METRICS = new Set(['from', 'to', 'peak_at']);

/**
 * The report as a PDF: the summary (energy, cost, peak with its time,
 * coverage) beside the fleet's power over the whole period (gaps shaded,
 * the peak ringed), then top consumers and the cluster, node, GPU,
 * namespace and data gap tables (each capped at MAX_PDF_ROWS; the excel
 * report has every row).
 */
export async function writeReportPdf(report: ReportData, out: Writable, meta: PdfMeta): Promise<void> {
  const { doc, finish } = openPdf(out, meta);
  const { left, bottom } = doc.page.margins;
  const { pricePerKwh, currency } = report.pricing;
  doc
    .font('Helvetica')
    .fontSize(8)
    .text(
      pricePerKwh > 0
        ? `Energy is measured (energy counters, else power x time; BMC power for nodes with a BMC). Cost: energy x ${pricePerKwh} ${currency}/kWh.`
        : 'Energy is measured (energy counters, else power x time; BMC power for nodes with a BMC). Costs are empty: no electricity price is configured (clouds.onprem.electricityPrice).',
    );

  const box = REPORT_CHART_BOX;
  doc.font('Helvetica-Bold').fontSize(10).text('Summary', left, box.y);
  doc.moveDown(0.2);
  const summary = summaryRows(report).map((r) => (TIME_METRICS.has(r.metric as string) && typeof r.value === 'string' ? { ...r, value: `${pdfTime(Date.parse(r.value))} UTC` } : r));
  drawTable(doc, SUMMARY_COLUMNS, summary, { x: left, width: SUMMARY_WIDTH });
  const summaryEnd = doc.y;
  const { peak_power_watts: peak, peak_at: peakAt } = report.fleet;
  drawLineChart(
    doc,
    {
      title: 'Fleet power (W); grey: no data from any node',
      unit: 'W',
      points: report.series,
      step: report.period.step,
      from: report.period.start,
      to: report.period.end,
      gaps: report.fleetGaps,
      mark: peak !== null && peakAt !== null ? { at: peakAt, value: peak, label: peakLabel(peak, peakAt, 'W') } : undefined,
    },
    box.x,
    box.y,
    box.width,
    box.height,
  );
  doc.y = Math.max(summaryEnd, box.y + box.height) + 8;

  const section = (title: string, columns: readonly Column[], rows: readonly Row[], empty: string) => {
    if (doc.y + SECTION_MIN_HEIGHT > doc.page.height - bottom) doc.addPage();
    doc.font('Helvetica-Bold').fontSize(11).fillColor('black').text(title, left, doc.y);
    if (rows.length === 0) {
      doc.font('Helvetica').fontSize(8).text(empty);
      doc.moveDown();
      return;
    }
    if (rows.length > MAX_PDF_ROWS) doc.font('Helvetica').fontSize(8).text(`${rows.length} rows; the first ${MAX_PDF_ROWS} are printed (the excel report has all).`);
    doc.moveDown(0.3);
    drawTable(doc, columns, rows.slice(0, MAX_PDF_ROWS));
    doc.moveDown(0.5);
  };
  section('Top consumers (share of the fleet energy)', TOP_COLUMNS, report.top, 'No energy in this period.');
  section('Clusters', CLUSTER_COLUMNS, report.clusters, 'No cluster sent power in this period.');
  section('Nodes', NODE_COLUMNS, report.nodes, 'No node sent power in this period.');
  section('GPUs', GPU_COLUMNS, report.gpus, 'No GPU in this period.');
  section('Namespaces (GPU energy split by the processes on each GPU; share of the GPU energy)', NAMESPACE_COLUMNS, report.namespaces, 'No GPU energy in this period.');
  section('Data gaps (steps without samples: the fleet when no node sent any, a node when others did)', GAP_COLUMNS, report.gaps, 'No data gaps.');
  await finish();
}
