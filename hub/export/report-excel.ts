import type { Writable } from 'node:stream';
import { CLUSTER_COLUMNS, GAP_COLUMNS, GPU_COLUMNS, NAMESPACE_COLUMNS, NODE_COLUMNS, SERIES_COLUMNS, summaryRows, SUMMARY_COLUMNS, TOP_COLUMNS, type ReportData } from './report-data.js';
import { openWorkbook, writeSheet } from './write-excel.js';

/** The report as an .xlsx, the PDF's sections as sheets: summary, top_consumers, clusters, nodes, gpus, namespaces, gaps and power (the fleet's power per step). */
export async function writeReportExcel(report: ReportData, out: Writable): Promise<void> {
  const wb = openWorkbook(out);
  await writeSheet(wb, out, 'summary', SUMMARY_COLUMNS, summaryRows(report));
  await writeSheet(wb, out, 'top_consumers', TOP_COLUMNS, report.top);
  await writeSheet(wb, out, 'clusters', CLUSTER_COLUMNS, report.clusters);
  await writeSheet(wb, out, 'nodes', NODE_COLUMNS, report.nodes);
  await writeSheet(wb, out, 'gpus', GPU_COLUMNS, report.gpus);
  await writeSheet(wb, out, 'namespaces', NAMESPACE_COLUMNS, report.namespaces);
  await writeSheet(wb, out, 'gaps', GAP_COLUMNS, report.gaps);
  await writeSheet(
    wb,
    out,
    'power',
    SERIES_COLUMNS,
    report.series.map(([timestamp, w]) => ({ timestamp, total_power_watts: w })),
  );
  await wb.commit();
}
