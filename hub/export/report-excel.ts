import type { Writable } from 'node:stream';
import { GPU_SUMMARY_COLUMNS, NODE_SUMMARY_COLUMNS, SERIES_COLUMNS, summaryRows, SUMMARY_COLUMNS, type ReportData } from './report-data.js';
import { openWorkbook, writeSheet } from './write-excel.js';

/** The report as an .xlsx: sheets summary, nodes, gpus and power (the fleet's power per step). */
export async function writeReportExcel(report: ReportData, out: Writable): Promise<void> {
  const wb = openWorkbook(out);
  await writeSheet(wb, out, 'summary', SUMMARY_COLUMNS, summaryRows(report.fleet));
  await writeSheet(wb, out, 'nodes', NODE_SUMMARY_COLUMNS, report.nodes);
  await writeSheet(wb, out, 'gpus', GPU_SUMMARY_COLUMNS, report.gpus);
  await writeSheet(
    wb,
    out,
    'power',
    SERIES_COLUMNS,
    report.series.map(([timestamp, w]) => ({ timestamp, total_power_watts: w })),
  );
  await wb.commit();
}
